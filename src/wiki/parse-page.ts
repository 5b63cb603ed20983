import { posix } from 'node:path';
import type { Nodes, Root } from 'mdast';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { parseFrontmatter } from '../core/frontmatter.js';
import { contentHash } from './hash.js';
import { nestingDepth, type ParseLimits, WIKI_LIMITS } from './limits.js';
import { packHeadings, packLink } from './packed.js';
import { uniqueSlugger } from './slug.js';
import {
  FRONTMATTER_KEYS,
  type PageHeading,
  type PagePlaceholder,
  type PageProblem,
  type PageWikilink,
  type ParsedPage,
  type Position,
} from './types.js';

const processor = unified().use(remarkParse).use(remarkFrontmatter, ['yaml']).use(remarkGfm);

const WIKILINK = /\[\[([^[\]\n]+?)\]\]/g;
// Uppercase markers only, so the words "todo list" in prose pass.
const PLACEHOLDER = /\b(?:TODO|TBD|FIXME)\b|\blorem ipsum\b/gi;
const PLACEHOLDER_CASE = /^(?:TODO|TBD|FIXME)$/;
const SUMMARY_MAX = 240;

export interface ParseOptions {
  limits?: ParseLimits;
  /** Where the file's bytes first stop being UTF-8 (see read-page.ts): a finding; the text has U+FFFD there. */
  badUtf8?: Position;
}

/**
 * Parse one page into the plain data the rules read. Pure: same text, same
 * result; this is what the cache stores and what worker threads compute.
 * Never throws: a page over the limits, or one the parser fails on, comes
 * back unread with the reason (a `page-unreadable` finding).
 */
export function parsePage(
  path: string,
  text: string,
  hash = contentHash(text),
  opts: ParseOptions = {},
): ParsedPage {
  const limits = opts.limits ?? WIKI_LIMITS;
  const problems: PageProblem[] = [];
  if (opts.badUtf8)
    problems.push({
      rule: 'invalid-utf8',
      ...opts.badUtf8,
      message:
        'the file is not valid UTF-8 from here on; save it as UTF-8 (it was read with U+FFFD in place of the bad bytes)',
    });
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxPageBytes)
    return unreadPage(
      path,
      hash,
      `${bytes} bytes, over wiki.maxPageBytes (${limits.maxPageBytes}); split the page or raise the limit`,
      problems,
    );
  const nesting = nestingDepth(text);
  if (nesting.depth > limits.maxNesting)
    return unreadPage(
      path,
      hash,
      `lists or block quotes nested about ${nesting.depth} deep, over wiki.maxNesting (${limits.maxNesting}); flatten them or raise the limit`,
      problems,
      nesting.line,
    );
  try {
    return parseWithin(path, text, hash, problems);
  } catch (e) {
    return unreadPage(path, hash, `the parser failed: ${(e as Error).message}`, problems);
  }
}

/**
 * A page that was not parsed: only the reason is known (a `page-unreadable`
 * finding at `line`). The parse pool makes these for pages whose parse ran
 * out of time or memory.
 */
export function unreadPage(
  path: string,
  hash: string,
  reason: string,
  problems: PageProblem[] = [],
  line = 1,
): ParsedPage {
  return {
    page: {
      path,
      hash,
      frontmatter: { present: false, data: {}, errors: [], keyLines: {} },
      headings: packHeadings([]),
      anchors: '',
      problems: [...problems, { rule: 'page-unreadable', line, column: 1, message: `not linted: ${reason}` }],
      unread: reason,
      wikilinks: [],
      placeholders: [],
    },
    body: { links: '', summary: '' },
  };
}

function parseWithin(path: string, text: string, hash: string, problems: PageProblem[]): ParsedPage {
  const fm = readFrontmatter(text);
  const data: Record<string, unknown> = {};
  const keyLines: Record<string, number> = {};
  for (const key of Object.keys(fm.data)) {
    if (!FRONTMATTER_KEYS.has(key)) continue;
    data[key] = fm.data[key];
    const line = fm.lineOf([key]);
    if (line !== undefined) keyLines[key] = line;
  }
  const facts = data.facts;
  if (facts && typeof facts === 'object' && !Array.isArray(facts)) {
    for (const key of Object.keys(facts)) {
      const line = fm.lineOf(['facts', key]);
      if (line !== undefined) keyLines[`facts.${key}`] = line;
    }
  }

  const tree = processor.parse(text) as Root;
  const headings: PageHeading[] = [];
  let links = '';
  const wikilinks: PageWikilink[] = [];
  const placeholders: PagePlaceholder[] = [];
  const anchors = new Set<string>();
  const slug = uniqueSlugger();
  let summary = '';

  const walk = (node: Nodes): void => {
    switch (node.type) {
      case 'heading': {
        // GitHub slugs the heading's text as rendered, untrimmed: `## <a name="x"></a> Foo` is #-foo.
        const raw = toText(node);
        headings.push({
          depth: node.depth,
          text: raw.trim(),
          slug: slug(raw),
          line: node.position?.start.line ?? 1,
        });
        break;
      }
      case 'html':
        htmlAnchors(node.value, anchors);
        return;
      case 'link':
      case 'image':
      case 'definition': {
        const t = linkTarget(path, node.url);
        if (t.target !== undefined)
          links += packLink({
            url: node.url,
            line: node.position?.start.line ?? 1,
            column: node.position?.start.column ?? 1,
            target: t.target,
            ...(t.anchor ? { anchor: t.anchor } : {}),
          });
        break;
      }
      case 'text':
        scanText(node.value, node.position?.start, wikilinks, placeholders);
        return;
      default:
        break;
    }
    if ('children' in node) for (const child of node.children) walk(child as Nodes);
  };
  for (const child of tree.children) {
    if (!summary && child.type === 'paragraph') summary = shorten(toText(child));
    walk(child);
  }

  return {
    page: {
      path,
      hash,
      frontmatter: { present: fm.present, data, errors: fm.errors, keyLines },
      headings: packHeadings(headings),
      anchors: [...anchors].join('\n'),
      problems,
      wikilinks,
      placeholders,
    },
    body: { links, summary },
  };
}

/**
 * The frontmatter, with YAML that the reader refuses as a whole (an alias
 * bomb: `yaml` stops expanding after 100 aliases, by throwing) reported as
 * bad YAML on the block's first line rather than ending the lint.
 */
function readFrontmatter(text: string): ReturnType<typeof parseFrontmatter> {
  try {
    return parseFrontmatter(text);
  } catch (e) {
    return {
      present: true,
      data: {},
      errors: [{ message: (e as Error).message, line: 2, column: 1 }],
      body: text,
      bodyLine: 1,
      lineOf: () => 1,
    };
  }
}

// `id` on any element, `name` on <a>: what a browser scrolls to. Linear scans (no nested quantifiers).
const TAG = /<([a-zA-Z][\w:-]*)([^<>]*)>/g;
const ANCHOR_ATTR = /(?:^|\s)(id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/gi;

function htmlAnchors(html: string, out: Set<string>): void {
  if (!/id|name/i.test(html)) return;
  for (const tag of html.matchAll(TAG)) {
    const isA = tag[1]!.toLowerCase() === 'a';
    for (const attr of tag[2]!.matchAll(ANCHOR_ATTR)) {
      if (attr[1]!.toLowerCase() === 'name' && !isA) continue;
      const value = (attr[2] ?? attr[3] ?? attr[4] ?? '').trim();
      if (value) out.add(value.replace(/[\t\n\r]/g, ' '));
    }
  }
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Split a link into its target (see PageLink.target) and anchor; pure, so it is cached with the page. */
export function linkTarget(pagePath: string, url: string): { target?: string; anchor?: string } {
  if (SCHEME.test(url) || url.startsWith('//')) return {};
  const hashAt = url.indexOf('#');
  const rawPath = (hashAt >= 0 ? url.slice(0, hashAt) : url).replace(/\?.*$/, '');
  const anchor = hashAt >= 0 ? safeDecode(url.slice(hashAt + 1)) : undefined;
  const pathPart = safeDecode(rawPath);
  let target: string;
  if (!pathPart) target = '';
  else if (pathPart.startsWith('/')) target = `/${posix.normalize(pathPart.slice(1))}`;
  else {
    const slash = pagePath.lastIndexOf('/');
    target = posix.normalize(slash < 0 ? pathPart : `${pagePath.slice(0, slash)}/${pathPart}`);
  }
  return anchor === undefined ? { target } : { target, anchor };
}

function safeDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function scanText(
  value: string,
  start: { line: number; column: number } | undefined,
  wikilinks: PageWikilink[],
  placeholders: PagePlaceholder[],
): void {
  if (!value.includes('[[') && !PLACEHOLDER_HINT.test(value)) return;
  const at = (offset: number) => positionIn(value, offset, start);
  for (const m of value.matchAll(WIKILINK)) wikilinks.push({ target: m[1]!.trim(), ...at(m.index) });
  for (const m of value.matchAll(PLACEHOLDER)) {
    const word = m[0];
    if (/^lorem/i.test(word) || PLACEHOLDER_CASE.test(word))
      placeholders.push({ text: word, ...at(m.index) });
  }
}
const PLACEHOLDER_HINT = /TODO|TBD|FIXME|lorem/i;

function positionIn(
  value: string,
  offset: number,
  start: { line: number; column: number } | undefined,
): { line: number; column: number } {
  let line = start?.line ?? 1;
  let column = start?.column ?? 1;
  for (let i = 0; i < offset; i++) {
    if (value.charCodeAt(i) === 10) {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}

function toText(node: Nodes): string {
  if ('value' in node && typeof node.value === 'string' && node.type !== 'html') return node.value;
  if ('children' in node) return (node.children as Nodes[]).map(toText).join('');
  return '';
}

function shorten(text: string): string {
  // Wikilinks read as their alias or name: the summary is plain text in index.md.
  const flat = text
    .replace(WIKILINK, (_, inner: string) => (inner.split('|')[1] ?? inner.split('#')[0] ?? inner).trim())
    .replace(/\s+/g, ' ')
    .trim();
  if (flat.length <= SUMMARY_MAX) return flat;
  const cut = flat.slice(0, SUMMARY_MAX);
  const space = cut.lastIndexOf(' ');
  return `${(space > SUMMARY_MAX / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}

/** What the parse pool and the scout parse: a page as read (see read-page.ts), or why it could not be. */
export interface ParseItem {
  path: string;
  text: string;
  hash: string;
  badUtf8?: Position;
  /** The file could not be read (a dangling symlink, no permission): the error. */
  unreadable?: string;
}

/** Parse one page as read; never throws. */
export function parseItem(item: ParseItem, limits: ParseLimits = WIKI_LIMITS): ParsedPage {
  if (item.unreadable !== undefined)
    return unreadPage(item.path, item.hash, `the file could not be read: ${item.unreadable}`);
  return parsePage(item.path, item.text, item.hash, {
    limits,
    ...(item.badUtf8 ? { badUtf8: item.badUtf8 } : {}),
  });
}
