import { describe, expect, it } from 'vitest';
import { clipChars, clipEnd, clipStart, cutMarker } from '../../src/core/text.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
/** The text a clip kept: the clip minus its marker line. */
const kept = (clipped: string, marker: string) =>
  clipped.replace(`\n${marker}`, '').replace(`${marker}\n`, '');

describe('cutMarker', () => {
  it('says how many bytes were cut, and where to see the rest when given', () => {
    expect(cutMarker(1234)).toBe('[… 1234 bytes cut …]');
    expect(cutMarker(7, 'run `git diff`')).toBe('[… 7 bytes cut; run `git diff` …]');
  });
});

describe('clipStart', () => {
  it('returns text within the budget unchanged, with no marker', () => {
    expect(clipStart('hello', 5)).toBe('hello');
    expect(clipStart('', 0)).toBe('');
  });

  it('keeps the start and puts the marker after it', () => {
    expect(clipStart('abcdefghij', 4)).toBe(`abcd\n${cutMarker(6)}`);
  });

  it('carries the hint in the marker', () => {
    expect(clipStart('abcdefghij', 4, 'read the file')).toBe(`abcd\n${cutMarker(6, 'read the file')}`);
  });

  it('never splits a multi-byte character at the cut, and stays within the budget', () => {
    // "é" is 2 bytes, "€" 3, "😀" 4: every budget lands somewhere inside one of them.
    const text = 'aé€😀b'.repeat(20);
    for (let max = 0; max < bytes(text); max++) {
      const out = clipStart(text, max);
      expect(out).not.toContain('\uFFFD');
      const marker = out.slice(out.lastIndexOf('\n') + 1);
      const body = kept(out, marker);
      expect(bytes(body)).toBeLessThanOrEqual(max);
      expect(text.startsWith(body)).toBe(true);
      expect(marker).toBe(cutMarker(bytes(text) - bytes(body)));
      // Backing off is only ever to the start of the character that did not fit.
      expect(max - bytes(body)).toBeLessThan(4);
    }
  });
});

describe('clipEnd', () => {
  it('returns text within the budget unchanged, with no marker', () => {
    expect(clipEnd('hello', 5)).toBe('hello');
  });

  it('keeps the end and puts the marker before it', () => {
    expect(clipEnd('abcdefghij', 4)).toBe(`${cutMarker(6)}\nghij`);
  });

  it('carries the hint in the marker', () => {
    expect(clipEnd('abcdefghij', 3, 'see the log')).toBe(`${cutMarker(7, 'see the log')}\nhij`);
  });

  it('never splits a multi-byte character at the cut, and stays within the budget', () => {
    const text = 'aé€😀b'.repeat(20);
    for (let max = 0; max < bytes(text); max++) {
      const out = clipEnd(text, max);
      expect(out).not.toContain('\uFFFD');
      const marker = out.slice(0, out.indexOf('\n'));
      const body = kept(out, marker);
      expect(bytes(body)).toBeLessThanOrEqual(max);
      expect(text.endsWith(body)).toBe(true);
      expect(marker).toBe(cutMarker(bytes(text) - bytes(body)));
      expect(max - bytes(body)).toBeLessThan(4);
    }
  });

  it('keeps whole lines that contain newlines of their own', () => {
    expect(clipEnd('line one\nline two\nerror: boom\n', 12)).toBe(`${cutMarker(18)}\nerror: boom\n`);
  });
});

describe('clipChars', () => {
  it('leaves a short line alone', () => {
    expect(clipChars('short', 5)).toBe('short');
  });

  it('cuts to the given number of characters, the last one an ellipsis', () => {
    expect(clipChars('abcdefghij', 5)).toBe('abcd…');
    expect(clipChars('abcdefghij', 5)).toHaveLength(5);
  });

  it('never leaves half of a surrogate pair', () => {
    const out = clipChars('ab😀cd', 4); // "😀" is two UTF-16 units at index 2-3
    expect(out).toBe('ab…');
    expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});
