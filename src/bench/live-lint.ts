import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { spreadOf } from '../metrics/spread.js';
import { startLiveLint, type WikiHealth } from '../wiki/live-lint.js';
import { generateWiki, pagePath } from './wiki-generate.js';

/**
 * `npm run bench` (live lint part): the daemon's wiki lint in memory
 * (src/wiki/live-lint.ts) watching synthetic wikis (wiki-generate.ts) the
 * size of this repository's and of a large project's, while pages are
 * edited as people and agents edit them: written in place, and written
 * beside and renamed over (what editors and writeFileAtomic do). Each edit
 * is timed from the write to the new findings (`onChange`), and the part
 * the lint itself spends (`relintMs`, from the file event) is shown beside
 * it; the rest is the watcher. Goal: within 20 ms of an edit.
 */
const EDITS = Number(process.env.BENCH_LIVE_EDITS ?? 20);
const SIZES = (process.env.BENCH_LIVE_PAGES ?? '20,500').split(',').map(Number);
const GOAL_MS = 20;
/** An edit whose findings never come is a failure, not a slow row. */
const GIVE_UP_MS = 10_000;

type Edit = 'in place' | 'renamed over';

async function measure(pages: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jidoka-bench-live-'));
  const root = join(dir, 'repo');
  try {
    generateWiki(root, pages);
    const { config } = loadConfig(root);
    const startedAt = performance.now();
    const live = startLiveLint(root, config, { onError: (m) => console.error(m) });
    await live.ready;
    const firstMs = performance.now() - startedAt;
    let waiting: { rel: string; resolve: (h: WikiHealth) => void } | undefined;
    live.onChange((h) => {
      if (waiting && h.changed === waiting.rel) waiting.resolve(h);
    });
    const rows: Record<Edit, { total: number[]; relint: number[] }> = {
      'in place': { total: [], relint: [] },
      'renamed over': { total: [], relint: [] },
    };
    for (let i = 0; i < EDITS * 2; i++) {
      const kind: Edit = i % 2 === 0 ? 'in place' : 'renamed over';
      // Pages spread over the wiki; each edit adds a sentence, and every fifth renames a heading.
      const rel = pagePath((i * 7919) % pages);
      const file = join(root, 'wiki', rel);
      let text = readFileSync(file, 'utf8');
      text = `${text}\nEdit ${i}: a new sentence.\n`;
      if (i % 5 === 4) text = text.replace(/^## (.*)$/m, `## $1 (renamed ${i})`);
      const seen = new Promise<WikiHealth>((resolve, reject) => {
        waiting = { rel, resolve };
        setTimeout(
          () => reject(new Error(`no findings ${GIVE_UP_MS} ms after editing ${rel}`)),
          GIVE_UP_MS,
        ).unref();
      });
      const t0 = performance.now();
      if (kind === 'in place') writeFileSync(file, text);
      else {
        writeFileSync(`${file}.tmp`, text);
        renameSync(`${file}.tmp`, file);
      }
      const h = await seen;
      rows[kind].total.push(performance.now() - t0);
      rows[kind].relint.push(h.relintMs);
      // Let the watcher settle, as between a person's edits.
      await new Promise((r) => setTimeout(r, 30));
    }
    await live.close();
    console.log(`  ${pages} pages (first lint and watcher ready in ${(firstMs / 1000).toFixed(1)} s)`);
    for (const [kind, r] of Object.entries(rows)) {
      const t = spreadOf(r.total);
      const l = spreadOf(r.relint);
      const ok = (t.p50 ?? Number.POSITIVE_INFINITY) < GOAL_MS;
      console.log(
        `    ${kind.padEnd(13)} write → findings p50 ${ms(t.p50)} p90 ${ms(t.p90)}   of it relint p50 ${ms(l.p50)} p90 ${ms(l.p90)}   goal p50 < ${GOAL_MS} ms: ${ok ? 'met' : 'MISSED'}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (v: number | null) => `${(v ?? Number.NaN).toFixed(1).padStart(6)} ms`;

async function main(): Promise<void> {
  console.log(
    `live lint: ${EDITS} edits of each kind per wiki, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  for (const pages of SIZES) await measure(pages);
}

await main();
