import { createHash } from 'node:crypto';

/** The cache key of a page: sha1 of its content. */
export function contentHash(text: string | Buffer): string {
  return createHash('sha1').update(text).digest('hex');
}
