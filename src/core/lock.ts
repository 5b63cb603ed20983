import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { JidokaError } from './errors.js';
import { noteOwnRemoval, noteOwnWrite } from './own-writes.js';

/**
 * A pid lock file: `{"pid", "hostname", "startedAt", "purpose"}`. Held while
 * the owner process lives; a lock whose pid is gone (crash, kill -9) is stale
 * and taken over. Created with O_EXCL so two starters cannot both win.
 */
export interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
  purpose: string;
}

export function readLock(path: string): LockInfo | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the lock exists but its owner is gone (or it is unreadable). */
export function isStale(info: LockInfo | undefined): boolean {
  if (!info || typeof info.pid !== 'number') return true;
  return info.hostname === hostname() && !pidAlive(info.pid);
}

export function acquireLock(path: string, purpose: string): () => void {
  mkdirSync(dirname(path), { recursive: true });
  const info: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    purpose,
  };
  for (let i = 0; i < 2; i++) {
    try {
      writeFileSync(path, `${JSON.stringify(info)}\n`, { flag: 'wx' });
      noteOwnWrite(path, `${JSON.stringify(info)}\n`);
      return () => {
        if (readLock(path)?.pid !== process.pid) return;
        rmSync(path, { force: true });
        noteOwnRemoval(path);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = readLock(path);
      if (!isStale(held)) {
        throw new JidokaError(
          `${purpose} is already running (pid ${held?.pid} on ${held?.hostname} since ${held?.startedAt})`,
          {
            exitCode: 1,
            hint: `wait for it to finish; if that process is gone, remove ${path}`,
          },
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new JidokaError(`could not take the lock ${path}`, { exitCode: 1 });
}
