import { parentPort, workerData } from 'node:worker_threads';
import { loadStatTable } from './cache.js';
import { scoutPages } from './scout.js';

/**
 * Worker thread body: scout the wiki (scout.ts) while the main thread loads
 * the cache, then parse the pages that changed, up to MAX_PARSE. More is a
 * cold lint: loadPages reads the rest again and spreads them over every
 * core (parse-pool.ts), and texts are not copied back across threads.
 */
const MAX_PARSE = 64;
const { wikiDir, cacheDir } = workerData as { wikiDir: string; cacheDir: string };

const report = scoutPages(wikiDir, loadStatTable(cacheDir));
report.thread = 'worker';
const fresh = report.fresh;
report.fresh = [];
report.parsed = [];
if (fresh.length) {
  const { parsePage } = await import('./parse-page.js');
  report.parsed = fresh.slice(0, MAX_PARSE).map((i) => parsePage(i.path, i.text, i.hash));
}
parentPort?.postMessage(report);
