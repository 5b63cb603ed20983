import { parentPort, workerData } from 'node:worker_threads';
import type { ParseLimits } from './limits.js';
import { type ParseItem, parseItem } from './parse-page.js';

/**
 * Worker thread body for the parse pool (parse-pool.ts): parse the batches
 * it is sent, posting each page as it is done, so that when a page runs out
 * of time or memory the pool knows which page it was and has the ones before.
 */
interface Batch {
  id: number;
  items: ParseItem[];
}

const limits = (workerData as { limits: ParseLimits }).limits;

parentPort?.on('message', (batch: Batch) => {
  for (const item of batch.items) parentPort?.postMessage(parseItem(item, limits));
});
// Loaded: a page's time limit starts from here, not from the thread's start-up.
parentPort?.postMessage('ready');
