import picomatch from 'picomatch';
import { pageSources, sourcesMatcher, type WikiModel } from '../model.js';
import type { LintFinding } from '../types.js';
import { finding } from './finding.js';

export interface UncoveredSource {
  /** A file, or a folder ending in `/` when nothing inside it is covered. */
  path: string;
  files: number;
}

/**
 * Source files matched by the configured globs (`docs.uncovered`) that no
 * page's `sources` covers: the wiki's gaps. A folder none of whose files is
 * covered is reported once, as the folder.
 */
export function uncoveredSources(
  model: WikiModel,
  files: readonly string[],
  globs: readonly string[],
): UncoveredSource[] {
  if (!globs.length) return [];
  const candidate = picomatch([...globs], { dot: true });
  const covered = sourcesMatcher([...new Set([...model.pages.values()].flatMap(pageSources))].sort());
  const wikiPrefix = model.wikiRel ? `${model.wikiRel}/` : '';
  const all = files.filter((f) => candidate(f) && !(wikiPrefix && f.startsWith(wikiPrefix)));
  // A folder is "fully uncovered" when every candidate file under it is.
  const coveredIn = new Set<string>();
  const uncovered: string[] = [];
  for (const f of all) {
    if (covered(f)) for (const d of parents(f)) coveredIn.add(d);
    else uncovered.push(f);
  }
  const counts = new Map<string, number>();
  const out = new Map<string, UncoveredSource>();
  for (const f of uncovered) {
    // The topmost parent folder that holds no covered file.
    const top = parents(f).find((d) => !coveredIn.has(d));
    const key = top ? `${top}/` : f;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    out.set(key, { path: key, files: 0 });
  }
  return [...out.values()]
    .map((u) => ({ path: u.path, files: counts.get(u.path) ?? 1 }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** Parent folders of a repo-relative file, top first: `a/b/c.ts` → `a`, `a/b`. */
function parents(file: string): string[] {
  const parts = file.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

export function uncoveredRules(
  model: WikiModel,
  files: readonly string[],
  globs: readonly string[],
): LintFinding[] {
  return uncoveredSources(model, files, globs).map((u) =>
    finding(
      'uncovered-source',
      u.path,
      1,
      1,
      u.path.endsWith('/')
        ? `no wiki page covers ${u.path} (${u.files} file${u.files === 1 ? '' : 's'}); write a page whose sources include ${u.path}**`
        : `no wiki page covers ${u.path}; add it to the sources of the page that describes it, or write one`,
    ),
  );
}
