import { CATEGORIES } from '../../core/types.js';
import { isSpecial, PAGE_TYPES, type PageType, pageType, repoPath, type WikiModel } from '../model.js';
import type { LintFinding, PageInfo } from '../types.js';
import { finding } from './finding.js';

/** Keys each type of page must have. Incidents carry the A3 record's keys (DESIGN.md, "Andon"). */
export const REQUIRED_KEYS: Record<PageType, readonly string[]> = {
  system: ['title', 'type', 'sources', 'verified', 'updated'],
  domain: ['title', 'type', 'sources', 'verified', 'updated'],
  log: ['title', 'type', 'updated'],
  incident: ['id', 'status', 'severity', 'category'],
};

const SHA = /^[0-9a-f]{7,40}$/i;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?$/;
const INCIDENT_STATUS = ['open', 'contained', 'analyzed', 'resolved'];
const SEVERITY = ['yellow', 'red'];

/**
 * frontmatter-missing, frontmatter-invalid (with the YAML error's line),
 * duplicate-title. On a folder of markdown that is not a Jidoka wiki
 * (`jidoka: false`), only bad YAML and duplicate titles: its pages were never
 * meant to carry type, sources and verified.
 */
export function frontmatterRules(model: WikiModel, jidoka = true): LintFinding[] {
  const out: LintFinding[] = [];
  const titles = new Map<string, PageInfo>();
  for (const page of model.pages.values()) {
    if (isSpecial(page.path) || page.unread) continue;
    const file = repoPath(model, page.path);
    const fm = page.frontmatter;
    if (!jidoka) {
      for (const e of fm.errors)
        out.push(
          finding('frontmatter-invalid', file, e.line, e.column, `bad YAML in frontmatter: ${e.message}`),
        );
      if (!fm.errors.length) duplicateTitle(model, page, titles, out);
      continue;
    }
    if (!fm.present) {
      out.push(
        finding(
          'frontmatter-missing',
          file,
          1,
          1,
          'no frontmatter; start the page with a --- block giving title, type (domain|system|log|incident), sources, verified and updated (see 00_SCHEMA.md)',
        ),
      );
      continue;
    }
    if (fm.errors.length) {
      for (const e of fm.errors)
        out.push(
          finding('frontmatter-invalid', file, e.line, e.column, `bad YAML in frontmatter: ${e.message}`),
        );
      continue;
    }
    const lineOf = (key: string) => fm.keyLines[key] ?? 1;
    const type = pageType(page);
    if (type === undefined) {
      out.push(finding('frontmatter-missing', file, 1, 1, 'no `type`; add type: domain|system|log|incident'));
      continue;
    }
    if (!(PAGE_TYPES as readonly string[]).includes(type)) {
      out.push(
        finding(
          'frontmatter-invalid',
          file,
          lineOf('type'),
          1,
          `type "${type}" is not one of ${PAGE_TYPES.join(', ')}; use one of them`,
        ),
      );
      continue;
    }
    const data = fm.data;
    const missing = REQUIRED_KEYS[type as PageType].filter(
      (k) => data[k] === undefined || data[k] === null || data[k] === '',
    );
    if (missing.length)
      out.push(
        finding(
          'frontmatter-missing',
          file,
          1,
          1,
          `a ${type} page needs ${missing.map((k) => `\`${k}\``).join(', ')} in its frontmatter; add ${missing.length === 1 ? 'it' : 'them'} (see 00_SCHEMA.md)`,
        ),
      );
    const invalid = (key: string, message: string) =>
      out.push(finding('frontmatter-invalid', file, lineOf(key), 1, `${key}: ${message}`));
    if (data.title !== undefined && (typeof data.title !== 'string' || !data.title.trim()))
      invalid('title', 'must be a non-empty text');
    if (data.sources !== undefined && data.sources !== null) {
      const s = data.sources;
      const ok =
        (typeof s === 'string' && s.trim() !== '') ||
        (Array.isArray(s) && s.every((x) => typeof x === 'string' && x.trim() !== ''));
      if (!ok) invalid('sources', 'must be a list of repo-relative globs, e.g. [src/wiki/**]');
    }
    if (data.verified !== undefined && data.verified !== null && data.verified !== '') {
      if (typeof data.verified !== 'string')
        invalid(
          'verified',
          `YAML read ${JSON.stringify(data.verified)} as a ${typeof data.verified}; quote the sha: verified: "…"`,
        );
      else if (!SHA.test(data.verified))
        invalid(
          'verified',
          `"${data.verified}" is not a commit sha; use the 40-hex sha the page was checked against`,
        );
    }
    if (
      data.updated !== undefined &&
      data.updated !== null &&
      !(typeof data.updated === 'string' && DATE.test(data.updated))
    )
      invalid('updated', `${JSON.stringify(data.updated)} is not a date; use YYYY-MM-DD`);
    if (
      data.facts !== undefined &&
      (typeof data.facts !== 'object' || data.facts === null || Array.isArray(data.facts))
    )
      invalid('facts', 'must be a mapping of key: value');
    if (type === 'incident') incidentChecks(data, invalid);

    duplicateTitle(model, page, titles, out);
  }
  return out;
}

function duplicateTitle(
  model: WikiModel,
  page: PageInfo,
  titles: Map<string, PageInfo>,
  out: LintFinding[],
): void {
  const data = page.frontmatter.data;
  const title = typeof data.title === 'string' ? data.title.trim().toLowerCase() : '';
  if (!title) return;
  const first = titles.get(title);
  if (first)
    out.push(
      finding(
        'duplicate-title',
        repoPath(model, page.path),
        page.frontmatter.keyLines.title ?? 1,
        1,
        `title "${String(data.title).trim()}" is also the title of ${repoPath(model, first.path)}; give each page its own title (or merge the pages)`,
      ),
    );
  else titles.set(title, page);
}

function incidentChecks(
  data: Record<string, unknown>,
  invalid: (key: string, message: string) => void,
): void {
  const oneOf = (key: string, allowed: readonly string[]) => {
    const v = data[key];
    if (v !== undefined && v !== null && !allowed.includes(String(v)))
      invalid(key, `"${String(v)}" is not one of ${allowed.join(', ')}`);
  };
  oneOf('status', INCIDENT_STATUS);
  oneOf('severity', SEVERITY);
  oneOf('category', CATEGORIES);
  const c = data.confidence;
  if (c !== undefined && c !== null && !(typeof c === 'number' && c >= 0 && c <= 1))
    invalid('confidence', `${JSON.stringify(c)} is not a number between 0 and 1`);
  if (data.id !== undefined && (typeof data.id !== 'string' || !data.id))
    invalid('id', 'must be a non-empty text');
}
