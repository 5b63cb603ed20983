/**
 * Clipping text to a byte budget, the one way: logs, diffs and transcripts
 * quoted in prompts, incident pages and error messages. Every clip leaves the
 * same marker where it cut, so a reader (and a grep) can tell, and never
 * splits a UTF-8 character.
 */

/** The mark left where text was cut; `hint` says how to see the rest. */
export function cutMarker(bytes: number, hint?: string): string {
  return `[… ${bytes} bytes cut${hint ? `; ${hint}` : ''} …]`;
}

/** The start of `text` within `maxBytes` (where a diff or a prompt begins), the marker after it. */
export function clipStart(text: string, maxBytes: number, hint?: string): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  // Back off to the first byte of a character: continuation bytes are 0b10xxxxxx.
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return `${buf.subarray(0, end).toString('utf8')}\n${cutMarker(buf.length - end, hint)}`;
}

/** The end of `text` within `maxBytes` (where errors are), the marker before it. */
export function clipEnd(text: string, maxBytes: number, hint?: string): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let start = buf.length - Math.max(0, maxBytes);
  while (start < buf.length && (buf[start]! & 0xc0) === 0x80) start++;
  return `${cutMarker(start, hint)}\n${buf.subarray(start).toString('utf8')}`;
}

/**
 * A line for display cut to `maxChars` characters, the last one `…`: titles,
 * table-like lists, one-line quotes. Not for logs or diffs (those are clipped
 * by bytes, with the marker); a surrogate pair is never split.
 */
export function clipChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = Math.max(0, maxChars - 1);
  // A high surrogate without its low half would print as a replacement character.
  if (end > 0 && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
  return `${text.slice(0, end)}…`;
}
