import { parentPort } from 'node:worker_threads';
import { parsePage } from './parse-page.js';

/** Worker thread body for the cold lint: parse batches of pages sent by parse-pool.ts. */
interface Batch {
  id: number;
  items: { path: string; text: string; hash: string }[];
}

parentPort?.on('message', (batch: Batch) => {
  parentPort?.postMessage({ id: batch.id, pages: batch.items.map((i) => parsePage(i.path, i.text, i.hash)) });
});
