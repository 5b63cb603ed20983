import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { contentHash } from './hash.js';
import type { ParseItem } from './parse-page.js';
import type { Position } from './types.js';

/** A page file as read: its text, the sha1 of its bytes, and where its bytes first stop being UTF-8. */
export interface PageFile {
  text: string;
  hash: string;
  badUtf8?: Position;
}

/**
 * The one way the linter reads a page. The hash is of the bytes, not the
 * decoded text: for UTF-8 they are the same, and two files that decode to
 * the same text only through U+FFFD replacement must not share a cache entry.
 */
export function readPageFile(abs: string): PageFile {
  const bytes = readFileSync(abs);
  const text = bytes.toString('utf8');
  const hash = contentHash(bytes);
  if (isUtf8(bytes)) return { text, hash };
  return { text, hash, badUtf8: firstBadUtf8(bytes) };
}

/** Line and column (in characters) of the first byte that is not part of valid UTF-8. */
export function firstBadUtf8(bytes: Uint8Array): Position {
  let at = 0;
  while (at < bytes.length) {
    const n = sequenceLength(bytes, at);
    if (n === 0) break;
    at += n;
  }
  const before = Buffer.from(bytes.buffer, bytes.byteOffset, at);
  const lineStart = before.lastIndexOf(10) + 1;
  let line = 1;
  for (let i = 0; i < lineStart; i++) if (before[i] === 10) line++;
  const column = [...before.subarray(lineStart).toString('utf8')].length + 1;
  return { line, column };
}

/** Length of the valid UTF-8 sequence at `at`, 0 when it is not one (overlong, surrogate, past U+10FFFF, cut). */
function sequenceLength(b: Uint8Array, at: number): number {
  const c = b[at]!;
  if (c < 0x80) return 1;
  const cont = (i: number) => at + i < b.length && (b[at + i]! & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = b[at + 1] ?? 0;
    if (c === 0xe0 && c1 < 0xa0) return 0;
    if (c === 0xed && c1 > 0x9f) return 0;
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = b[at + 1] ?? 0;
    if (c === 0xf0 && c1 < 0x90) return 0;
    if (c === 0xf4 && c1 > 0x8f) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/**
 * A page to parse, read from `abs`; a file that cannot be read (a dangling
 * symlink, no permission, gone since it was listed) becomes an item that
 * parses into that finding, not an exception that ends the lint.
 */
export function readParseItem(abs: string, path: string): ParseItem {
  try {
    const file = readPageFile(abs);
    return { path, ...file };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return { path, text: '', hash: `unreadable:${code}`, unreadable: (e as Error).message };
  }
}
