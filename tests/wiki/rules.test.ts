import { describe, expect, it } from 'vitest';
import { indexOf, lintOf, page } from './helpers.js';

/** Every rule: a fixture that fails it and one that passes. Pure: parsed pages in, findings out. */

const A = '20_SYSTEM/a.md';
const B = '20_SYSTEM/b.md';
const both = indexOf([A, B]);

describe('broken-link', () => {
  it('reports a relative link to a missing file, with its position and how to fix it', () => {
    const f = lintOf(
      { 'index.md': indexOf([A]), [A]: page('A', 'See [the b page](b.md) for more.') },
      'broken-link',
    );
    expect(f).toEqual([
      expect.objectContaining({
        rule: 'broken-link',
        severity: 'error',
        file: 'wiki/20_SYSTEM/a.md',
        line: 11,
        column: 5,
        message: expect.stringMatching(/wiki\/20_SYSTEM\/b\.md does not exist; fix the path/),
      }),
    ]);
  });

  it('passes links to pages, to existing repo files, and leaves external links alone', () => {
    const files = {
      'index.md': both,
      [A]: page(
        'A',
        'See [B](b.md), [code](../../src/x/a.ts), [site](https://example.com/nope) and [mail](mailto:a@b.c).',
      ),
      [B]: page('B', 'Back to [A](./a.md).'),
    };
    expect(lintOf(files, 'broken-link', ['src/x/a.ts'])).toEqual([]);
  });

  it('reports a link that leaves the repository', () => {
    const f = lintOf(
      { 'index.md': indexOf([A]), [A]: page('A', '[up](../../../etc/passwd)') },
      'outside-repo',
    );
    expect(f[0]?.message).toMatch(/outside the repository/);
  });
});

describe('broken-anchor', () => {
  it('reports a link to a heading that does not exist, here and on another page', () => {
    const files = {
      'index.md': both,
      [A]: page('A', '## Usage\n\nSee [here](#usag) and [B limits](b.md#limit).'),
      [B]: page('B', '## Limits\n\nText, and [A](a.md).'),
    };
    const f = lintOf(files, 'broken-anchor');
    expect(f.map((x) => [x.file, x.line])).toEqual([
      ['wiki/20_SYSTEM/a.md', 13],
      ['wiki/20_SYSTEM/a.md', 13],
    ]);
    expect(f[0]?.message).toMatch(/#usag is not a heading or HTML anchor on this page.*#usage/);
    expect(f[1]?.message).toMatch(
      /has no heading or HTML anchor #limit; use one of its headings \(#b, #limits\)/,
    );
  });

  it('passes GitHub slugs, numbered repeats and wikilink headings', () => {
    const files = {
      'index.md': both,
      [A]: page(
        'A',
        '## Why? It’s *fast*\n\n## Notes\n\n## Notes\n\n[x](#why-its-fast) [y](#notes-1) [z](b.md#the-limits) [[B#The limits]]',
      ),
      [B]: page('B', '## The limits\n\n[A](a.md)'),
    };
    expect(lintOf(files, 'broken-anchor')).toEqual([]);
  });
});

describe('dead-wikilink', () => {
  it('reports a wikilink that matches no page', () => {
    const f = lintOf({ 'index.md': indexOf([A]), [A]: page('A', 'See [[Nonesuch]].') }, 'dead-wikilink');
    expect(f).toEqual([
      expect.objectContaining({
        line: 11,
        column: 5,
        message: expect.stringMatching(/\[\[Nonesuch\]\] matches no page/),
      }),
    ]);
  });

  it('resolves wikilinks by path, file name and title, with aliases', () => {
    const files = {
      'index.md': both,
      [A]: page('A', '[[b]] [[20_SYSTEM/b]] [[B|the other]] [[b.md]]'),
      [B]: page('B', '[[a]]'),
    };
    expect(lintOf(files, 'dead-wikilink')).toEqual([]);
  });
});

describe('orphan-page and index-drift', () => {
  it('reports a page that is neither linked nor indexed as orphan, and its absence from index.md as drift', () => {
    const files = {
      'index.md': indexOf([A]),
      [A]: page('A', 'Alone.'),
      [B]: page('B', 'Nobody links here.'),
    };
    const f = lintOf(files);
    expect(f.filter((x) => x.rule === 'orphan-page')).toEqual([
      expect.objectContaining({ file: 'wiki/20_SYSTEM/b.md', severity: 'warning' }),
    ]);
    expect(f.filter((x) => x.rule === 'index-drift')).toEqual([
      expect.objectContaining({
        file: 'wiki/index.md',
        message: expect.stringMatching(/20_SYSTEM\/b\.md \("B"\) is not listed/),
      }),
    ]);
  });

  it('a page linked from another page is not an orphan, though still index drift', () => {
    const files = { 'index.md': indexOf([A]), [A]: page('A', '[B](b.md)'), [B]: page('B', 'Linked.') };
    expect(lintOf(files, 'orphan-page')).toEqual([]);
    expect(lintOf(files, 'index-drift')).toHaveLength(1);
  });

  it('reports index.md listing a missing page, and a missing index.md', () => {
    expect(lintOf({ 'index.md': indexOf([A, 'gone.md']), [A]: page('A', 'x') }, 'index-drift')).toEqual([
      expect.objectContaining({
        line: 4,
        message: expect.stringMatching(/lists wiki\/gone\.md, which does not exist/),
      }),
    ]);
    expect(lintOf({ [A]: page('A', 'x') }, 'index-drift')[0]?.message).toMatch(/index\.md is missing/);
  });

  it('passes when index.md lists every page', () => {
    const files = { 'index.md': both, [A]: page('A', 'x'), [B]: page('B', 'y'), 'log.md': '# Log\n' };
    expect(lintOf(files).filter((x) => x.rule === 'index-drift' || x.rule === 'orphan-page')).toEqual([]);
  });
});

describe('frontmatter-missing and frontmatter-invalid', () => {
  it('reports a page without frontmatter and required keys missing per type', () => {
    const files = {
      'index.md': indexOf([A, B, '10_DOMAIN/c.md']),
      [A]: '# A\n\nNo frontmatter.\n',
      [B]: page('B', 'x', { verified: null, sources: null }),
      '10_DOMAIN/c.md': page('C', 'x', { type: null }),
    };
    const f = lintOf(files, 'frontmatter-missing');
    expect(f.map((x) => x.file)).toEqual([
      'wiki/10_DOMAIN/c.md',
      'wiki/20_SYSTEM/a.md',
      'wiki/20_SYSTEM/b.md',
    ]);
    expect(f[0]?.message).toMatch(/no `type`/);
    expect(f[2]?.message).toMatch(/a system page needs `sources`, `verified`/);
  });

  it('reports bad YAML on its line, an unknown type, and values of the wrong shape', () => {
    const files = {
      'index.md': indexOf([A, B]),
      [A]: '---\ntitle: A\ntype: system\nsources: [src/**\nverified: x\n---\n# A\n',
      [B]: page('B', 'x', { type: 'module' }),
      '20_SYSTEM/c.md': page('C', 'x', { verified: '1234567', updated: 'yesterday', sources: ' 7' }),
    };
    const f = lintOf(files, 'frontmatter-invalid');
    expect(f[0]).toMatchObject({ file: 'wiki/20_SYSTEM/a.md', line: 5 });
    expect(f[0]?.message).toMatch(/bad YAML/);
    expect(f[1]).toMatchObject({
      file: 'wiki/20_SYSTEM/b.md',
      line: 3,
      message: expect.stringMatching(/type "module" is not one of/),
    });
    const c = f.filter((x) => x.file === 'wiki/20_SYSTEM/c.md').map((x) => x.message);
    expect(c).toEqual([
      expect.stringMatching(/^sources: must be a list/),
      expect.stringMatching(/^verified: YAML read 1234567 as a number; quote the sha/),
      expect.stringMatching(/^updated: "yesterday" is not a date/),
    ]);
  });

  it('accepts incident pages with the A3 frontmatter and no sources/verified', () => {
    const incident = [
      '---',
      'id: 2025-01-02-scope-1',
      'status: open',
      'severity: red',
      'category: scope_creep',
      'confidence: 1',
      'plan: p1',
      'chunk: 2',
      'attempt: 1',
      'detector: scope',
      'base_sha: abc',
      'head_sha: def',
      'preserved_ref: refs/andon/2025-01-02-scope-1',
      'opened_at: 2025-01-02T10:00:00Z',
      'resolved_at: null',
      'prevention_level: null',
      'countermeasure: null',
      '---',
      '# Incident 2025-01-02-scope-1',
      '',
      'TBD: the whys come later.',
      '',
    ].join('\n');
    const files = { 'index.md': indexOf(['90_LOG/incidents/i1.md']), '90_LOG/incidents/i1.md': incident };
    expect(lintOf(files)).toEqual([]);
    const bad = incident.replace('severity: red', 'severity: orange');
    expect(lintOf({ ...files, '90_LOG/incidents/i1.md': bad }, 'frontmatter-invalid')[0]?.message).toMatch(
      /severity: "orange" is not one of yellow, red/,
    );
  });

  it('passes valid system and log pages', () => {
    const files = {
      'index.md': indexOf([A, '90_LOG/run.md']),
      [A]: page('A', 'x'),
      '90_LOG/run.md': page('Run', 'x', { type: 'log', sources: null, verified: null }),
    };
    expect(lintOf(files)).toEqual([]);
  });
});

describe('duplicate-title', () => {
  it('reports the second page with a title already used, naming the first', () => {
    const files = { 'index.md': both, [A]: page('Agents', '[B](b.md)'), [B]: page('agents', '[A](a.md)') };
    expect(lintOf(files, 'duplicate-title')).toEqual([
      expect.objectContaining({
        file: 'wiki/20_SYSTEM/b.md',
        line: 2,
        message: expect.stringMatching(/also the title of wiki\/20_SYSTEM\/a\.md/),
      }),
    ]);
  });

  it('passes distinct titles', () => {
    expect(lintOf({ 'index.md': both, [A]: page('A', 'x'), [B]: page('B', 'y') }, 'duplicate-title')).toEqual(
      [],
    );
  });
});

describe('conflicting-facts', () => {
  it('reports the same fact key with different values, naming both places', () => {
    const files = {
      'index.md': both,
      [A]: page('A', 'x', { facts: '\n  maxAttempts: 3\n  store: sqlite' }),
      [B]: page('B', 'y', { facts: '\n  maxAttempts: 5\n  store: sqlite' }),
    };
    expect(lintOf(files, 'conflicting-facts')).toEqual([
      expect.objectContaining({
        file: 'wiki/20_SYSTEM/b.md',
        line: 9,
        message:
          'facts.maxAttempts is 5 here but 3 in wiki/20_SYSTEM/a.md:9; check which is true and make both pages agree',
      }),
    ]);
  });

  it('passes facts that agree', () => {
    const files = {
      'index.md': both,
      [A]: page('A', 'x', { facts: '\n  maxAttempts: 3' }),
      [B]: page('B', 'y', { facts: '\n  maxAttempts: 3' }),
    };
    expect(lintOf(files, 'conflicting-facts')).toEqual([]);
  });
});

describe('placeholder', () => {
  it('reports TODO, TBD and lorem ipsum text with their positions', () => {
    const f = lintOf(
      { 'index.md': indexOf([A]), [A]: page('A', 'Intro.\n\nTODO write this.\nLorem ipsum dolor. TBD') },
      'placeholder',
    );
    expect(f.map((x) => [x.line, x.column, x.severity])).toEqual([
      [13, 1, 'warning'],
      [14, 1, 'warning'],
      [14, 20, 'warning'],
    ]);
  });

  it('ignores code, inline code and lowercase prose', () => {
    const body = 'A `TODO` marker, a todo list.\n\n```\nTODO in code\n```';
    expect(lintOf({ 'index.md': indexOf([A]), [A]: page('A', body) }, 'placeholder')).toEqual([]);
  });
});

describe('log-format', () => {
  it('reports entries whose heading does not start with an ISO date, kind and title, and entries out of order', () => {
    const log =
      '# Log\n\n## 2025-01-03 sync | first\n\n- a\n\n## Jan 4: merged\n\n## 2025-01-02 merge | late\n';
    const f = lintOf({ 'index.md': indexOf([]), 'log.md': log }, 'log-format');
    expect(f.map((x) => x.line)).toEqual([7, 9]);
    expect(f[0]?.message).toMatch(/must read "## YYYY-MM-DD kind \| title"/);
    expect(f[1]?.message).toMatch(/dated 2025-01-02 comes after one dated 2025-01-03/);
  });

  it('passes well-formed entries, newest last', () => {
    const log =
      '# Log\n\n## 2025-01-02 sync | a\n\n### details\n\n## 2025-01-02T10:00Z merge | b\n\n## 2025-01-03 incident | c\n';
    expect(lintOf({ 'index.md': indexOf([]), 'log.md': log }, 'log-format')).toEqual([]);
  });
});
