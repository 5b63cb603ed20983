import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { JidokaError } from '../core/errors.js';
import { jidokaPaths } from '../core/paths.js';

/**
 * The board's bearer token, `.jidoka/board.token`: made on the daemon's
 * first start, readable by its owner only (0600). Whoever can read it can
 * act on the line from the board; everyone else can only look.
 */
export function tokenFile(root: string): string {
  return join(jidokaPaths(root).dir, 'board.token');
}

/** The token, made now when there is none; a file others could read is made private again. */
export function ensureToken(root: string): string {
  const file = tokenFile(root);
  mkdirSync(jidokaPaths(root).dir, { recursive: true });
  try {
    // 'wx': never overwrite a token a person already copied; 0o600 from the first byte on.
    const fd = openSync(file, 'wx', 0o600);
    const token = randomBytes(32).toString('hex');
    writeSync(fd, `${token}\n`);
    closeSync(fd);
    return token;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 32)
    throw new JidokaError(`${file} holds no usable token (under 32 characters)`, {
      hint: 'delete the file; the daemon makes a new one when it starts',
    });
  return token;
}

/**
 * Whether an `Authorization` header carries the token. Compared in constant
 * time over fixed-length digests, so neither the content nor the length of
 * the token leaks through response timing.
 */
export function tokenMatches(token: string, authorization: string | undefined): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!m) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!), digest(token));
}
