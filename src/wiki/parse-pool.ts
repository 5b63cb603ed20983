import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParsedPage } from './types.js';

export interface ParseItem {
  path: string;
  text: string;
  hash: string;
}

/** Below this many pages, starting threads costs more than it saves. */
const MIN_PAGES_FOR_WORKERS = 200;
const BATCH_PAGES = 64;

/**
 * Parse pages on every core: parsing is the whole cost of a cold lint, and
 * remark is single-threaded. Batches go to whichever worker is free. Falls
 * back to parsing inline for small sets or when the compiled worker file is
 * not there (tests running the TypeScript sources).
 */
export async function parseAll(
  items: ParseItem[],
  workers?: number,
): Promise<{ pages: ParsedPage[]; workers: number }> {
  const workerFile = fileURLToPath(new URL('./parse-worker.js', import.meta.url));
  const wanted = workers ?? (items.length >= MIN_PAGES_FOR_WORKERS ? availableParallelism() : 0);
  const count = Math.min(wanted, Math.ceil(items.length / BATCH_PAGES));
  if (!items.length) return { pages: [], workers: 0 };
  if (count < 1 || !existsSync(workerFile)) {
    // Loaded on demand: a warm lint parses nothing and need not load remark at all.
    const { parsePage } = await import('./parse-page.js');
    return { pages: items.map((i) => parsePage(i.path, i.text, i.hash)), workers: 0 };
  }
  const batches: ParseItem[][] = [];
  for (let i = 0; i < items.length; i += BATCH_PAGES) batches.push(items.slice(i, i + BATCH_PAGES));
  const results: ParsedPage[][] = new Array(batches.length);
  let next = 0;
  const pool = Array.from({ length: count }, () => new Worker(workerFile));
  try {
    await Promise.all(
      pool.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= batches.length) return resolve();
              const id = next++;
              worker.postMessage({ id, items: batches[id] });
            };
            worker.on('message', (msg: { id: number; pages: ParsedPage[] }) => {
              results[msg.id] = msg.pages;
              send();
            });
            worker.on('error', reject);
            worker.on('exit', (code) => {
              if (next < batches.length || code !== 0)
                reject(new Error(`wiki parse worker exited with code ${code}`));
            });
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return { pages: results.flat(), workers: count };
}
