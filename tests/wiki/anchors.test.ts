import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { lintWiki } from '../../src/wiki/lint.js';
import { runCli } from '../support/repo.js';
import { indexOf, lintOf, page, tempDir, tempRepo, write } from './helpers.js';

/** Anchors as browsers and forges resolve them, wherever a link points. */

const A = '20_SYSTEM/a.md';
const B = '20_SYSTEM/b.md';
const anchorFindings = (files: Record<string, string>) =>
  lintOf({ 'index.md': indexOf(Object.keys(files)), ...files }, 'broken-anchor').map((f) => f.message);

describe('HTML anchors and #top', () => {
  const b = page(
    'B',
    '<a name="old-name"></a>\n\n<div class="x" id="Block-Id">text</div>\n\nInline <span id=\'inline\'>here</span>.\n\n## <a name="x"></a> Foo\n\n## Foo\n',
  );

  it('count <a name>, id= on any element (block and inline HTML), #top and headings that start with HTML', () => {
    const a = page(
      'A',
      '[1](b.md#old-name) [2](b.md#block-id) [3](b.md#inline) [4](b.md#top) [5](#top) [6](b.md#-foo) [7](b.md#foo)',
    );
    expect(anchorFindings({ [A]: a, [B]: b })).toEqual([]);
  });

  it('still report anchors that are nowhere on the page, and name= on an element that is not <a>', () => {
    const b2 = `${b}\n<div name="notanchor"></div>\n`;
    const a = page('A', '[1](b.md#nope) [2](b.md#notanchor) [3](#nowhere)');
    const got = anchorFindings({ [A]: a, [B]: b2 });
    expect(got).toHaveLength(3);
    expect(got[0]).toMatch(/#nope/);
    expect(got[1]).toMatch(/#notanchor/);
    expect(got[2]).toMatch(/#nowhere is not a heading or HTML anchor on this page/);
  });
});

const config = defaultConfig();

function repo(): string {
  const dir = tempRepo();
  write(dir, 'README.md', '# Project\n\n## Usage\n\nText.\n');
  write(dir, 'docs/guide/README.md', '# Guide\n\n## Install\n');
  write(dir, 'docs/empty/x.txt', 'x\n');
  write(dir, 'docs/site/index.md', '# Site\n\n<a id="anchor-in-html"></a>\n');
  return dir;
}

async function lintRepo(dir: string, pages: Record<string, string>, cfg = config) {
  for (const [p, t] of Object.entries(pages)) write(dir, `wiki/${p}`, t);
  write(dir, 'wiki/index.md', indexOf(Object.keys(pages)));
  return (await lintWiki({ root: dir, config: cfg, useCache: false })).findings.filter(
    (f) => !['stale-page', 'unknown-verified', 'uncovered-source'].includes(f.rule),
  );
}

describe('anchors wherever a link points', () => {
  it('into markdown outside the wiki folder, and into a folder’s README.md or index.md', async () => {
    const dir = repo();
    const good = page(
      'A',
      '[r](../../README.md#usage) [g](../../docs/guide/#install) [g2](../../docs/guide#install) [s](../../docs/site/#anchor-in-html)',
    );
    expect(await lintRepo(dir, { [A]: good })).toEqual([]);
    const bad = page(
      'A',
      '[r](../../README.md#usag) [g](../../docs/guide/#nope) [e](../../docs/empty/#x) [code](../../docs/empty/x.txt#L1)',
    );
    const f = await lintRepo(dir, { [A]: bad });
    expect(f.map((x) => [x.rule, x.column])).toEqual([
      ['broken-anchor', 1],
      ['broken-anchor', 27],
      ['broken-anchor', 55],
    ]);
    expect(f[0]!.message).toMatch(
      /README\.md has no heading or HTML anchor #usag; use one of its headings \(#project, #usage\)/,
    );
    expect(f[1]!.message).toMatch(/docs\/guide\/README\.md has no heading/);
    expect(f[2]!.message).toMatch(/the folder docs\/empty has no README\.md or index\.md to hold #x/);
  });

  it('into a symlinked page, which is linted; a symlink out of the repository, and a link out of it, are outside-repo', async () => {
    const dir = repo();
    write(dir, 'shared/c.md', page('C', '## Here\n\n[broken](nothing.md)'));
    const outside = tempDir();
    write(outside, 'd.md', '# D\n');
    mkdirSync(join(dir, 'wiki'));
    symlinkSync(join(dir, 'shared', 'c.md'), join(dir, 'wiki', 'c.md'), 'file');
    symlinkSync(join(outside, 'd.md'), join(dir, 'wiki', 'd.md'), 'file');
    const f = await lintRepo(dir, {
      [A]: page('A', '[c](../c.md#here) [c2](../c.md#gone) [up](../../../x.md)'),
    });
    expect(f.map((x) => [x.rule, x.file])).toEqual([
      ['broken-anchor', 'wiki/20_SYSTEM/a.md'],
      ['outside-repo', 'wiki/20_SYSTEM/a.md'],
      ['broken-link', 'wiki/c.md'],
      ['outside-repo', 'wiki/d.md'],
      ['index-drift', 'wiki/index.md'],
    ]);
    expect(f[0]!.message).toMatch(/wiki\/c\.md has no heading or HTML anchor #gone/);
    expect(f[3]!.message).toMatch(/symlink to a page outside the repository: not linted/);
  });

  it('wiki.links: ignore skips links by prefix or glob, siteRoot maps site-absolute links', async () => {
    const dir = repo();
    const pages = {
      [A]: page(
        'A',
        '[s](/guide/README.md#install) [t](/guide/README.md#gone) [api](/api/x.md) [h](/x/y.html)',
      ),
    };
    const plain = await lintRepo(dir, pages);
    expect(plain.map((x) => x.rule)).toEqual(['broken-link', 'broken-link', 'broken-link', 'broken-link']);
    const cfg = {
      ...config,
      wiki: { ...config.wiki, links: { ignore: ['/api/', '/**/*.html'], siteRoot: 'docs' } },
    };
    const mapped = await lintRepo(dir, pages, cfg);
    expect(mapped.map((x) => [x.rule, x.column])).toEqual([['broken-anchor', 31]]);
  });
});

describe('a folder of markdown that is not a Jidoka wiki', () => {
  it('is linted for links, anchors and orphans; the Jidoka frontmatter rules are skipped with one line saying so', () => {
    const dir = tempRepo();
    write(dir, 'docs/README.md', '# Docs\n\n[guide](guide.md#install) [api](api/)\n');
    write(dir, 'docs/guide.md', '# Guide\n\n## Install\n');
    write(dir, 'docs/api/README.md', '# API\n');
    const clean = runCli(dir, ['wiki', 'lint', 'docs'], { JIDOKA_LOG_LEVEL: 'silent' });
    expect(clean.stdout).toContain(
      'note: not a Jidoka wiki (no 00_SCHEMA.md, no page with type, sources or verified in its frontmatter)',
    );
    expect(clean.stdout).toContain('✔ 3 pages, no problems');
    expect(clean.code).toBe(0);
    write(dir, 'docs/lost.md', '---\ntitle: Guide\n---\n# Lost\n\n[x](guide.md#nope)\n');
    const r = runCli(dir, ['wiki', 'lint', 'docs', '--json'], { JIDOKA_LOG_LEVEL: 'silent' });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.notes).toHaveLength(1);
    expect(out.findings.map((f: { rule: string; file: string }) => `${f.rule} ${f.file}`)).toEqual([
      'orphan-page docs/lost.md',
      'broken-anchor docs/lost.md',
    ]);
  });
});

describe('the cache and anchors outside the wiki', () => {
  it('checks a cached link again when the markdown file it anchors into changes', async () => {
    const dir = repo();
    const pages = { [A]: page('A', '[r](../../README.md#usage) [g](../../docs/guide/#install)') };
    const cached = async () =>
      (await lintWiki({ root: dir, config, useCache: true })).findings.filter(
        (f) => f.rule === 'broken-anchor',
      );
    expect(await lintRepo(dir, pages)).toEqual([]);
    expect(await cached()).toEqual([]);
    write(dir, 'README.md', '# Project\n\n## Use\n');
    write(dir, 'docs/guide/README.md', '# Guide\n');
    const after = await cached();
    expect(after.map((f) => f.column)).toEqual([1, 28]);
    const fresh = (await lintWiki({ root: dir, config, useCache: false })).findings.filter(
      (f) => f.rule === 'broken-anchor',
    );
    expect(after).toEqual(fresh);
  });
});
