import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildModel, runRules } from '../../src/wiki/lint.js';
import type { WikiModel } from '../../src/wiki/model.js';
import { parsePage } from '../../src/wiki/parse-page.js';
import type { LintFinding, PageBody, PageInfo } from '../../src/wiki/types.js';

export const SHA = 'a'.repeat(40);

/** A valid system page unless overridden. `fm` lines replace the defaults by key; null drops a key. */
export function page(title: string, body: string, fm: Record<string, string | null> = {}): string {
  const keys: Record<string, string | null> = {
    title,
    type: 'system',
    sources: '\n  - src/x/**',
    verified: SHA,
    updated: '2025-01-02',
    ...fm,
  };
  const lines = Object.entries(keys)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}:${v!.startsWith('\n') ? v : ` ${v}`}`);
  return `---\n${lines.join('\n')}\n---\n# ${title}\n\n${body}\n`;
}

/** An index.md listing the given wiki-relative pages. */
export function indexOf(paths: string[]): string {
  return `# Index\n\n${paths.map((p) => `- [${p}](${p})`).join('\n')}\n`;
}

/** Parse an in-memory wiki (wiki-relative path → text); `existing` are other repo files links may point at. */
export function modelOf(files: Record<string, string>, existing: string[] = []): WikiModel {
  const pages = new Map<string, PageInfo>();
  const bodies = new Map<PageInfo, PageBody>();
  for (const path of Object.keys(files).sort()) {
    const { page, body } = parsePage(path, files[path]!);
    pages.set(path, page);
    bodies.set(page, body);
  }
  const model = buildModel('/nonexistent', 'wiki', pages, (page) => bodies.get(page)!);
  const known = new Set(existing);
  return { ...model, exists: (p) => known.has(p) };
}

/** Lint an in-memory wiki with every pure rule (no git facts); findings of one rule. */
export function lintOf(files: Record<string, string>, rule?: string, existing: string[] = []): LintFinding[] {
  const all = runRules(modelOf(files, existing), undefined, ['src/**']);
  return rule ? all.filter((f) => f.rule === rule) : all;
}

export function tempDir(prefix = 'jidoka-wiki-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function tempRepo(): string {
  const dir = tempDir('jidoka-repo-');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'test@example.com');
  git(dir, 'config', 'user.name', 'Test');
  git(dir, 'config', 'commit.gpgsign', 'false');
  return dir;
}

export function write(dir: string, rel: string, text: string): void {
  const abs = join(dir, rel);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, text);
}

export function commitAll(dir: string, message: string): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}
