#!/usr/bin/env node
/**
 * Part of `npm run build`, after tsc: replace the wiki linter's worker
 * entry files in dist/ with self-contained bundles. A worker thread loads
 * its modules afresh; remark and micromark are some 150 small ES modules,
 * which Node 20 takes about 0.2 s to resolve and compile one by one, and
 * well under 0.05 s as one file. That start-up is on the critical path of
 * an incremental lint (docs: wiki/20_SYSTEM/wiki.md, Benchmark).
 */
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = join(dirname(dirname(fileURLToPath(import.meta.url))), 'dist', 'wiki');
const entries = ['scout-worker.js', 'parse-worker.js'].map((f) => join(dist, f));
for (const entry of entries) if (!existsSync(entry)) throw new Error(`${entry} is missing: run tsc first`);
rmSync(join(dist, 'chunks'), { recursive: true, force: true });
await build({
  entryPoints: entries,
  outdir: dist,
  allowOverwrite: true,
  bundle: true,
  // The parser (remark) becomes a chunk of its own, loaded only when a page is parsed: a lint with no
  // changed page does not pay for it.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // Some dependencies (yaml) are CommonJS and require node built-ins.
  banner: {
    js: "import { createRequire as __jidokaRequire } from 'node:module'; const require = __jidokaRequire(import.meta.url);",
  },
});
