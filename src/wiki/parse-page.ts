import { posix } from 'node:path';
import type { Nodes, Root } from 'mdast';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { parseFrontmatter } from '../core/frontmatter.js';
import { contentHash } from './hash.js';
import { packHeadings, packLink } from './packed.js';
import { uniqueSlugger } from './slug.js';
import type { PageHeading, PagePlaceholder, PageWikilink, ParsedPage } from './types.js';

const processor = unified().use(remarkParse).use(remarkFrontmatter, ['yaml']).use(remarkGfm);

const WIKILINK = /\[\[([^[\]\n]+?)\]\]/g;
// Uppercase markers only, so the words "todo list" in prose pass.
const PLACEHOLDER = /\b(?:TODO|TBD|FIXME)\b|\blorem ipsum\b/gi;
const PLACEHOLDER_CASE = /^(?:TODO|TBD|FIXME)$/;
const SUMMARY_MAX = 240;

/**
 * Parse one page into the plain data the rules read. Pure: same text, same
 * result; this is what the cache stores and what worker threads compute.
 */
export function parsePage(path: string, text: string, hash = contentHash(text)): ParsedPage {
  const fm = parseFrontmatter(text);
  const keyLines: Record<string, number> = {};
  for (const key of Object.keys(fm.data)) {
    const line = fm.lineOf([key]);
    if (line !== undefined) keyLines[key] = line;
  }
  const facts = fm.data.facts;
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
  const slug = uniqueSlugger();
  let summary = '';

  const walk = (node: Nodes): void => {
    switch (node.type) {
      case 'heading': {
        const text = toText(node).trim();
        headings.push({ depth: node.depth, text, slug: slug(text), line: node.position?.start.line ?? 1 });
        break;
      }
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
      frontmatter: { present: fm.present, data: fm.data, errors: fm.errors, keyLines },
      headings: packHeadings(headings),
      wikilinks,
      placeholders,
    },
    body: { links, summary },
  };
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
