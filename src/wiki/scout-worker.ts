import { parentPort, workerData } from 'node:worker_threads';
import { loadStatTable } from './cache.js';
import { WIKI_LIMITS } from './limits.js';
import { scoutPages } from './scout.js';

/**
 * Worker thread body: scout the wiki (scout.ts) while the main thread loads
 * the cache, then parse the pages that changed, up to MAX_PARSE. More is a
 * cold lint: loadPages reads the rest again and spreads them over every
 * core (parse-pool.ts), and texts are not copied back across threads.
 * It parses with the default limits (the config is not read yet), and only
 * pages small enough to parse quickly: a larger one is left to the pool,
 * whose workers have a time limit per page.
 */
const MAX_PARSE = 64;
const MAX_PARSE_BYTES = 256 * 1024;
const { wikiDir, cacheDir, root } = workerData as { wikiDir: string; cacheDir: string; root: string };

const report = scoutPages(wikiDir, loadStatTable(cacheDir), root);
report.thread = 'worker';
const fresh = report.fresh.filter((i) => i.text.length <= MAX_PARSE_BYTES).slice(0, MAX_PARSE);
report.fresh = [];
report.parsed = [];
if (fresh.length) {
  const { parseItem } = await import('./parse-page.js');
  report.parsed = fresh.map((i) => parseItem(i, WIKI_LIMITS));
}
parentPort?.postMessage(report);
