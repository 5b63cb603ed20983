import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PARSE_WORKER_HEAP_MB, WIKI_LIMITS, type WikiLimits } from './limits.js';
import type { ParseItem } from './parse-page.js';
import type { ParsedPage } from './types.js';

export type { ParseItem } from './parse-page.js';

/** Below this many pages, one thread parses them all. */
const MIN_PAGES_FOR_WORKERS = 200;
const BATCH_PAGES = 64;

/**
 * Parse pages on worker threads: on every core for many pages (parsing is
 * the whole cost of a cold lint, and remark is single-threaded), on one for
 * a few. Each worker has a bounded heap, and each page a time limit: a page
 * whose parse runs out of either ends its worker and comes back unread with
 * the reason (a `page-unreadable` finding), and the rest of its batch goes
 * on in a new worker. `workers: 0`, or no compiled worker file (tests
 * running the TypeScript sources), parses inline, where only the checks
 * made before parsing (size, nesting) apply.
 */
export async function parseAll(
  items: ParseItem[],
  opts: { workers?: number; limits?: WikiLimits } = {},
): Promise<{ pages: ParsedPage[]; workers: number }> {
  const limits = opts.limits ?? WIKI_LIMITS;
  if (!items.length) return { pages: [], workers: 0 };
  const workerFile = fileURLToPath(new URL('./parse-worker.js', import.meta.url));
  const wanted = opts.workers ?? (items.length >= MIN_PAGES_FOR_WORKERS ? availableParallelism() : 1);
  const count = Math.min(wanted, Math.ceil(items.length / BATCH_PAGES));
  if (count < 1 || !existsSync(workerFile)) {
    // Loaded on demand: a warm lint parses nothing and need not load remark at all.
    const { parseItem } = await import('./parse-page.js');
    return { pages: items.map((i) => parseItem(i, limits)), workers: 0 };
  }
  const queue: ParseItem[][] = [];
  for (let i = 0; i < items.length; i += BATCH_PAGES) queue.push(items.slice(i, i + BATCH_PAGES));
  const pages: ParsedPage[] = [];
  const unread = await import('./parse-page.js').then((m) => m.unreadPage);
  const slot = async () => {
    while (queue.length) await runWorker(workerFile, limits, queue, pages, unread);
  };
  await Promise.all(Array.from({ length: count }, slot));
  return { pages, workers: count };
}

/**
 * One worker, fed batches from `queue` until it is empty or a page fails
 * it (then the worker is ended, the page reported, and the rest of its
 * batch put back for the next worker).
 */
function runWorker(
  file: string,
  limits: WikiLimits,
  queue: ParseItem[][],
  out: ParsedPage[],
  unread: typeof import('./parse-page.js').unreadPage,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const worker = new Worker(file, {
      workerData: { limits },
      resourceLimits: { maxOldGenerationSizeMb: PARSE_WORKER_HEAP_MB },
    });
    let batch: ParseItem[] | undefined;
    let current = 0;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = () => {
      done = true;
      clearTimeout(timer);
      worker.removeAllListeners();
      worker.on('error', () => {});
      void worker.terminate();
      resolve();
    };
    const fail = (reason: string) => {
      if (done) return;
      if (batch) {
        const item = batch[current]!;
        out.push(unread(item.path, item.hash, reason));
        const rest = batch.slice(current + 1);
        if (rest.length) queue.unshift(rest);
      }
      finish();
    };
    // Armed per page: the worker posts each page as it finishes it.
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () =>
          fail(
            `its parse took over ${limits.parseTimeoutMs} ms (wiki.parseTimeout) and was stopped; simplify the page or raise the limit`,
          ),
        limits.parseTimeoutMs,
      );
    };
    const send = () => {
      batch = queue.shift();
      current = 0;
      if (!batch) return finish();
      worker.postMessage({ id: 0, items: batch });
      arm();
    };
    // 'ready' once loaded, then one message per page parsed: the next page's time starts.
    worker.on('message', (page: ParsedPage | 'ready') => {
      if (page === 'ready') return send();
      out.push(page);
      current++;
      if (current < batch!.length) arm();
      else send();
    });
    worker.on('error', (e: Error & { code?: string }) =>
      fail(
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `its parse needed more than ${PARSE_WORKER_HEAP_MB} MB of memory and was stopped; split the page`
          : `its parse failed: ${e.message}`,
      ),
    );
    worker.on('exit', (code) => fail(`its parser thread exited with code ${code}`));
  });
}
