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
 * A few small pages (an edit, a fresh scaffold) are parsed inline: a worker
 * costs more to start than they take, and within the size and nesting
 * checks made before parsing their parse is well under a second.
 */
const INLINE_PAGES = 8;
const INLINE_PAGE_BYTES = 64 * 1024;

/**
 * Parse pages on worker threads: on every core for many pages (parsing is
 * the whole cost of a cold lint, and remark is single-threaded), on one for
 * some, inline for a few small ones (INLINE_PAGES). Each worker has a bounded heap, and each page a time limit: a page
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
  const tiny = items.length <= INLINE_PAGES && items.every((i) => i.text.length <= INLINE_PAGE_BYTES);
  if (count < 1 || tiny || !existsSync(workerFile)) {
    // Loaded on demand: a warm lint parses nothing and need not load remark at all.
    const { parseItem } = await import('./parse-page.js');
    return { pages: items.map((i) => parseItem(i, limits)), workers: 0 };
  }
  const queue: ParseItem[][] = [];
  for (let i = 0; i < items.length; i += BATCH_PAGES) queue.push(items.slice(i, i + BATCH_PAGES));
  const pages: ParsedPage[] = [];
  const failed: Failure[] = [];
  const slot = async () => {
    while (queue.length) await runWorker(workerFile, limits, queue, pages, failed);
  };
  await Promise.all(Array.from({ length: count }, slot));
  if (failed.length) {
    // Loaded only now: the main thread of a lint that parses on workers need not load remark.
    const { unreadPage } = await import('./parse-page.js');
    for (const f of failed) pages.push(unreadPage(f.path, f.hash, f.reason));
  }
  return { pages, workers: count };
}

/**
 * One worker, fed batches from `queue` until it is empty or a page fails
 * it (then the worker is ended, the page reported, and the rest of its
 * batch put back for the next worker).
 */
interface Failure {
  path: string;
  hash: string;
  reason: string;
}

function runWorker(
  file: string,
  limits: WikiLimits,
  queue: ParseItem[][],
  out: ParsedPage[],
  failed: Failure[],
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
        failed.push({ path: item.path, hash: item.hash, reason });
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
