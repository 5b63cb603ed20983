import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { noteOwnWrite } from './own-writes.js';

/**
 * The one way Jidoka writes a file that must never be seen half-written:
 * write a temp file beside it, fsync, rename over the target. A crash leaves
 * either the old content or the new, never a mix. The directory is not
 * fsynced: losing a rename to a power cut leaves the previous checkpoint,
 * from which every loop resumes safely (it only redoes the step).
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: { durable?: boolean } = {},
): void {
  const durable = opts.durable ?? true;
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    if (durable) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {}
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  noteOwnWrite(path, data);
}

/**
 * JSON, atomically. `durable: false` skips the fsync for records that are
 * rewritten often and not needed to resume (a run's summary): still never
 * torn, but a power cut may leave the previous version.
 */
export function writeJsonAtomic(path: string, value: unknown, opts: { durable?: boolean } = {}): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, opts);
}
