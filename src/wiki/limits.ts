/**
 * What one page may cost the linter. Real documentation stays far below
 * these (the largest page of a 9,746-page tree is 0.56 MB, nested under 10
 * deep); a page over them is a `page-unreadable` finding, never a crash of
 * the lint. The defaults live here, not only in the config schema, because
 * the scout worker parses changed pages before the config is read.
 */
export interface ParseLimits {
  /** Pages larger than this many bytes are not parsed (remark needs some 700 bytes of memory per byte). */
  maxPageBytes: number;
  /** Deeper nesting of lists and block quotes is not parsed (remark's time grows with depth × size). */
  maxNesting: number;
}

export interface WikiLimits extends ParseLimits {
  /** A page whose parse takes longer is stopped (its worker ended) and reported. */
  parseTimeoutMs: number;
}

export const WIKI_LIMITS: WikiLimits = { maxPageBytes: 1_048_576, maxNesting: 32, parseTimeoutMs: 30_000 };

/** Heap of each parse worker: a page that needs more ends its worker and is reported. */
export const PARSE_WORKER_HEAP_MB = 1024;

export function sameParseLimits(a: ParseLimits, b: ParseLimits): boolean {
  return a.maxPageBytes === b.maxPageBytes && a.maxNesting === b.maxNesting;
}

/**
 * How deep the page nests lists and block quotes, judged from each line's
 * leading markers (`>`, `-`, `*`, `+`, `1.`) and indentation before parsing,
 * so a hostile page is refused before remark recurses into it. Fenced code is
 * skipped. An estimate that errs high (two columns of indentation count as a
 * level), which is why the limit is generous.
 */
export function nestingDepth(text: string): { depth: number; line: number } {
  let worst = { depth: 0, line: 0 };
  let fence = '';
  let line = 0;
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    line++;
    let i = at;
    let indent = 0;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 32) indent++;
      else if (c === 9) indent += 4;
      else break;
    }
    const rest = text.slice(i, Math.min(end, i + 3));
    if (rest === '```' || rest === '~~~') fence = fence ? (fence === rest ? '' : fence) : rest;
    else if (!fence) {
      let markers = 0;
      while (i < end) {
        const c = text.charCodeAt(i);
        if (c === 62 /* > */) {
          markers++;
          i++;
        } else if ((c === 45 || c === 42 || c === 43) && isSpace(text.charCodeAt(i + 1))) {
          markers++;
          i += 2;
        } else if (c >= 48 && c <= 57) {
          let j = i;
          while (j < end && j - i < 9 && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
          const d = text.charCodeAt(j);
          if ((d === 46 || d === 41) && isSpace(text.charCodeAt(j + 1))) {
            markers++;
            i = j + 2;
          } else break;
        } else if (c === 32 || c === 9) i++;
        else break;
      }
      const depth = markers ? markers + Math.floor(indent / 2) : 0;
      if (depth > worst.depth) worst = { depth, line };
    }
    at = end + 1;
  }
  return worst;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || Number.isNaN(c) || c === 10 || c === 13;
}
