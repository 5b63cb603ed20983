import type { PageHeading, PageLink } from './types.js';

/**
 * A page's links and headings, each packed into one string. Links: one line per link,
 * `line \t column \t target \t anchor \t url \n`. Why a string: a 10,000-page
 * wiki has some 200,000 links, and the incremental lint must load them all
 * from the cache in well under a second. As objects they cost most of that
 * in JSON parsing and garbage collection; as one string per page they load
 * at memory speed, and the rules read targets in place, decoding a whole
 * link only when it is reported. Headings likewise (see packHeadings).
 */
export function packLink(link: PageLink): string {
  const clean = (s: string) => s.replace(/[\t\n\r]/g, ' ');
  return `${link.line}\t${link.column}\t${clean(link.target)}\t${clean(link.anchor ?? '')}\t${clean(link.url)}\n`;
}

/** Where readLink leaves the link it read; reused across calls so reading allocates only the two slices. */
export interface LinkCursor {
  target: string;
  anchor: string;
  /** Start of the next record. */
  next: number;
}

export function newCursor(): LinkCursor {
  return { target: '', anchor: '', next: 0 };
}

/** Read the target and anchor of the record starting at `at` (loop with `for (at = 0; at < packed.length; at = c.next)`). */
export function readLink(packed: string, at: number, c: LinkCursor): void {
  const t1 = packed.indexOf('\t', at);
  const t2 = packed.indexOf('\t', t1 + 1);
  const t3 = packed.indexOf('\t', t2 + 1);
  const t4 = packed.indexOf('\t', t3 + 1);
  c.target = packed.slice(t2 + 1, t3);
  c.anchor = t4 > t3 + 1 ? packed.slice(t3 + 1, t4) : '';
  c.next = packed.indexOf('\n', t4) + 1;
}

/** The full link whose record starts at `at`. */
export function linkAt(packed: string, at: number): PageLink {
  const end = packed.indexOf('\n', at);
  const [line, column, target, anchor, url] = packed.slice(at, end).split('\t');
  return {
    line: Number(line),
    column: Number(column),
    target: target!,
    ...(anchor ? { anchor } : {}),
    url: url!,
  };
}

export function unpackLinks(packed: string): PageLink[] {
  const out: PageLink[] = [];
  const c = newCursor();
  for (let at = 0; at < packed.length; at = c.next) {
    readLink(packed, at, c);
    out.push(linkAt(packed, at));
  }
  return out;
}

/**
 * Headings packed as `\n` + one line each: `slug \t depth \t line \t text \n`.
 */
export function packHeadings(headings: PageHeading[]): string {
  let out = '\n';
  for (const h of headings) out += `${h.slug}\t${h.depth}\t${h.line}\t${h.text.replace(/[\t\n\r]/g, ' ')}\n`;
  return out;
}

/** The slugs of packed headings, in order. */
export function headingSlugs(packed: string): string[] {
  const out: string[] = [];
  let at = 1;
  while (at < packed.length) {
    const tab = packed.indexOf('\t', at);
    out.push(packed.slice(at, tab));
    at = packed.indexOf('\n', tab) + 1;
  }
  return out;
}

export function unpackHeadings(packed: string): PageHeading[] {
  const out: PageHeading[] = [];
  for (const rec of packed.split('\n')) {
    if (!rec) continue;
    const [slug, depth, line, text] = rec.split('\t');
    out.push({ slug: slug!, depth: Number(depth), line: Number(line), text: text ?? '' });
  }
  return out;
}
