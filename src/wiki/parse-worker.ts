import { parentPort, workerData } from 'node:worker_threads';
import type { ParseLimits } from './limits.js';
import { type ParseItem, parseItem } from './parse-page.js';

/**
 * Worker thread body for the parse pool (parse-pool.ts): parse the batches
 * it is sent. Before each page it says which one it starts, so that when a
 * page runs out of time or memory the pool knows which page to report.
 */
interface Batch {
  id: number;
  items: ParseItem[];
}

const limits = (workerData as { limits: ParseLimits }).limits;

parentPort?.on('message', (batch: Batch) => {
  const pages = batch.items.map((item, index) => {
    parentPort?.postMessage({ id: batch.id, started: index });
    return parseItem(item, limits);
  });
  parentPort?.postMessage({ id: batch.id, pages });
});
