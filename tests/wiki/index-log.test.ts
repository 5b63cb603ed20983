import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { regenerateIndex } from '../../src/wiki/index-file.js';
import { lintWiki } from '../../src/wiki/lint.js';
import { appendLogEntry } from '../../src/wiki/log-file.js';
import { commitAll, git, page, tempRepo, write } from './helpers.js';

const config = defaultConfig();
const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates', 'wiki');

function scaffold(): string {
  const dir = tempRepo();
  for (const f of ['00_SCHEMA.md', 'index.md', 'log.md'])
    write(dir, `wiki/${f}`, readFileSync(join(TEMPLATES, f), 'utf8'));
  write(dir, 'src/x/a.ts', 'x\n');
  commitAll(dir, 'init');
  return dir;
}

describe('the scaffold in templates/wiki', () => {
  it('lints clean as copied by jidoka init (apart from the code it does not cover yet)', async () => {
    const dir = scaffold();
    const r = await lintWiki({ root: dir, config, useCache: false });
    expect(r.findings.map((f) => f.rule)).toEqual(['uncovered-source']);
  });

  it('index.md is exactly what regenerateIndex writes for an empty wiki', async () => {
    const dir = scaffold();
    expect((await regenerateIndex(dir)).changed).toBe(false);
  });
});

describe('regenerateIndex', () => {
  it('lists every page by section with its title and first paragraph, and fixes drift', async () => {
    const dir = scaffold();
    const sha = git(dir, 'rev-parse', 'HEAD');
    write(
      dir,
      'wiki/20_SYSTEM/b.md',
      page('Beta', 'Beta runs   the\nline. See [[Alpha]].\n\nSecond paragraph.', { verified: sha }),
    );
    write(
      dir,
      'wiki/10_DOMAIN/a.md',
      page('Alpha', 'Alpha is the domain.', { type: 'domain', verified: sha }),
    );
    write(
      dir,
      'wiki/90_LOG/incidents/i1.md',
      '---\nid: i1\nstatus: open\nseverity: red\ncategory: hang\n---\n# Incident i1\n\nThe agent hung.\n',
    );
    const before = await lintWiki({ root: dir, config, useCache: false });
    expect(before.findings.filter((f) => f.rule === 'index-drift')).toHaveLength(3);

    expect((await regenerateIndex(dir)).changed).toBe(true);
    const index = readFileSync(join(dir, 'wiki', 'index.md'), 'utf8');
    expect(index).toContain('## Domain\n\n- [Alpha](10_DOMAIN/a.md) — Alpha is the domain.\n');
    expect(index).toContain('## System\n\n- [Beta](20_SYSTEM/b.md) — Beta runs the line. See Alpha.\n');
    expect(index).toContain('## Incidents\n\n- [Incident i1](90_LOG/incidents/i1.md) — The agent hung.\n');
    const after = await lintWiki({ root: dir, config, useCache: false });
    expect(after.findings.filter((f) => f.rule !== 'uncovered-source')).toEqual([]);
    expect((await regenerateIndex(dir)).changed).toBe(false);
  });
});

describe('appendLogEntry', () => {
  it('appends greppable, lint-clean entries, newest last', async () => {
    const dir = scaffold();
    appendLogEntry(dir, {
      date: '2025-01-02',
      kind: 'sync',
      title: '2 pages updated',
      lines: ['head: abc', 'pages: a.md'],
    });
    appendLogEntry(dir, { date: '2025-01-03', kind: 'merge', title: 'plan p1', lines: [] });
    const log = readFileSync(join(dir, 'wiki', 'log.md'), 'utf8');
    expect(log).toMatch(
      /\n## 2025-01-02 sync \| 2 pages updated\n\n- head: abc\n- pages: a\.md\n\n## 2025-01-03 merge \| plan p1\n$/,
    );
    const r = await lintWiki({ root: dir, config, useCache: false });
    expect(r.findings.filter((f) => f.rule === 'log-format')).toEqual([]);
  });

  it('refuses an entry that would break the log format', () => {
    const dir = scaffold();
    expect(() => appendLogEntry(dir, { date: 'Jan 3', kind: 'sync', title: 'x', lines: [] })).toThrow(
      /YYYY-MM-DD kind \| title/,
    );
  });
});
