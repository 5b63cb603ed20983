import { createHash } from 'node:crypto';

/**
 * What Jidoka itself changed in this process: the refs it moved (a plan's
 * chunk commit, a new plan branch, a rollback, the merge queue moving main)
 * and the files it wrote or removed. With plans running in parallel, plan
 * B's commits and checkpoints land while plan A's agent step runs; the
 * after-step check of A asks this journal whether a change it sees is
 * Jidoka's (the value now is the value Jidoka set) or someone else's.
 *
 * By value, not by name: an agent that moves another plan's branch leaves a
 * value Jidoka never set, and is still caught. Per process: the daemon is
 * the one authority that runs plans in parallel, so every move of its plans
 * is recorded here.
 */

/** ref → the object id Jidoka last set it to; undefined when Jidoka deleted it. */
const refs = new Map<string, string | undefined>();
/** absolute path → sha256 of what Jidoka last wrote there; undefined when it removed the file. */
const files = new Map<string, string | undefined>();
let inFlight = 0;
let settledWaiters: (() => void)[] = [];

export function noteOwnRef(ref: string, sha: string | undefined): void {
  refs.set(ref, sha);
}

/** True when Jidoka itself last set `ref` to `sha` (undefined: deleted it). */
export function isOwnRefValue(ref: string, sha: string | undefined): boolean {
  return refs.has(ref) && refs.get(ref) === sha;
}

export function noteOwnWrite(path: string, data: string | Uint8Array): void {
  files.set(path, contentHash(data));
}

export function noteOwnRemoval(path: string): void {
  files.set(path, undefined);
}

/** True when the file's content (its sha256; undefined: gone) is what Jidoka last wrote (or removed). */
export function isOwnFileValue(path: string, hash: string | undefined): boolean {
  return files.has(path) && files.get(path) === hash;
}

export function contentHash(data: string | Uint8Array): string {
  return createHash('sha256')
    .update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data)
    .digest('hex');
}

/**
 * Run a git operation that moves refs (`refsAfter` reads what it left, to be
 * noted). While it runs it is in flight: a check that sees a change it cannot
 * explain yet waits for `ownMovesSettled` and looks again, so a ref seen
 * moved before its mover could note it is not taken for an agent's.
 */
export async function ownMove<T>(
  fn: () => Promise<T>,
  refsAfter?: (result: T) => Promise<Record<string, string | undefined>>,
): Promise<T> {
  inFlight++;
  try {
    const result = await fn();
    if (refsAfter) for (const [ref, sha] of Object.entries(await refsAfter(result))) noteOwnRef(ref, sha);
    return result;
  } finally {
    inFlight--;
    if (!inFlight) {
      const waiters = settledWaiters;
      settledWaiters = [];
      for (const w of waiters) w();
    }
  }
}

/** Resolves when no `ownMove` is in flight, or after `timeoutMs` (a long one must not hold a check forever). */
export function ownMovesSettled(timeoutMs: number): Promise<void> {
  if (!inFlight) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    settledWaiters.push(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function ownMovesInFlight(): boolean {
  return inFlight > 0;
}
