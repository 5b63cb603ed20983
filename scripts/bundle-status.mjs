#!/usr/bin/env node
/**
 * Part of `npm run build`, after tsc: dist/cli/bin.cjs, the `jidoka`
 * executable (package.json `bin`), is dist/cli/bin.js with `jidoka status`'s
 * start-up path bundled into one CommonJS file. Node 20 resolves, reads and
 * links ES modules one by one, and starting its ES module loader at all
 * costs time: status's ~30 small modules came to some 50 ms over node's own
 * start, one CommonJS file to about 20 (docs: wiki/20_SYSTEM/cli.md,
 * "jidoka status"). Packages stay outside (required where first used, so
 * zod and yaml load only when a changed jidoka.yaml is validated); every
 * other command is main.js as tsc made it.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const cli = join(dirname(dirname(fileURLToPath(import.meta.url))), 'dist', 'cli');
await build({
  entryPoints: [join(cli, 'bin.js')],
  outfile: join(cli, 'bin.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  plugins: [
    {
      // Every command but status: the ES modules tsc made, loaded with import().
      name: 'main-stays-apart',
      setup(b) {
        b.onResolve({ filter: /^\.\/main\.js$/ }, (a) => ({ path: a.path, external: true }));
      },
    },
  ],
  // The bundled modules find files beside them from import.meta.url (config/cached.ts, core/log.ts);
  // bin.cjs sits in dist/cli/, one folder down like each of them, so the same relative paths hold.
  define: { 'import.meta.url': '__jidokaModuleUrl' },
  banner: { js: "const __jidokaModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
