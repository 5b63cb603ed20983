import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';

/**
 * One measured run of the wiki benchmark, in its own process so its time
 * and peak memory are its own (Jidoka itself is measured through its CLI):
 * `floor <wikiDir>` (remark-parse on every file, one thread, nothing else),
 * `floor-gfm <wikiDir>` (the same with the frontmatter and GFM extensions
 * Jidoka parses with). Prints one JSON line.
 */
const [mode, target] = process.argv.slice(2);
const started = performance.now();

if (mode === 'floor' || mode === 'floor-gfm') {
  const processor =
    mode === 'floor'
      ? unified().use(remarkParse)
      : unified().use(remarkParse).use(remarkFrontmatter, ['yaml']).use(remarkGfm);
  let files = 0;
  for (const file of walk(target!)) {
    processor.parse(readFileSync(file, 'utf8'));
    files++;
  }
  print({ files });
} else {
  process.stderr.write('usage: wiki-run floor <wikiDir> | floor-gfm <wikiDir>\n');
  process.exit(2);
}

function print(extra: Record<string, unknown>): void {
  process.stdout.write(
    `${JSON.stringify({ mode, ms: Math.round(performance.now() - started), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), ...extra })}\n`,
  );
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith('.md')) out.push(p);
  }
  return out.sort();
}
