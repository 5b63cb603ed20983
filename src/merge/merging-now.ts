import { existsSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic-write.js';
import { isStale } from '../core/lock.js';
import { noteOwnRemoval } from '../core/own-writes.js';
import { jidokaPaths } from '../core/paths.js';

/**
 * Which plan the merge queue is checking right now, for `jidoka status` and
 * the board (they read files only, never the daemon's memory). Written when a
 * queue step starts and removed when it ends; one left by a crash names a
 * dead pid and is not shown. Only a record: the one-at-a-time order comes
 * from the daemon's lane and main's compare-and-swap, not from this file.
 */
export interface MergingNow {
  plan: string;
  main: string;
  pid: number;
  hostname: string;
  startedAt: string;
  purpose: string;
}

function file(root: string): string {
  return join(jidokaPaths(root).state, 'merging.json');
}

export function startMerging(root: string, plan: string, main: string): () => void {
  const path = file(root);
  const record: MergingNow = {
    plan,
    main,
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    purpose: `merge queue step for ${plan}`,
  };
  writeJsonAtomic(path, record, { durable: false });
  return () => {
    if (readMerging(root)?.pid !== process.pid) return;
    rmSync(path, { force: true });
    noteOwnRemoval(path);
  };
}

/** The step in progress, or undefined (none, or its process is gone). */
export function readMerging(root: string): MergingNow | undefined {
  const path = file(root);
  if (!existsSync(path)) return undefined;
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as MergingNow;
    return isStale(m) ? undefined : m;
  } catch {
    return undefined;
  }
}
