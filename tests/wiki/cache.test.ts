import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { bodyFile, cacheDirOf, metaFile, shardOf } from '../../src/wiki/cache.js';
import { lintWiki } from '../../src/wiki/lint.js';
import { parsePage } from '../../src/wiki/parse-page.js';
import { PARSER_VERSION } from '../../src/wiki/types.js';
import { commitAll, page, tempRepo, write } from './helpers.js';

/** The cache: only changed pages are re-parsed; a deleted or corrupt cache gives the same findings. */

const config = defaultConfig();

function sampleWiki(n: number): string {
  const dir = tempRepo();
  write(dir, 'src/x/a.ts', 'x\n');
  const base = commitAll(dir, 'code');
  const paths = Array.from({ length: n }, (_, i) => `20_SYSTEM/p${i}.md`);
  write(
    dir,
    'wiki/index.md',
    `# Index\n\n${paths
      .slice(1)
      .map((p) => `- [${p}](${p})`)
      .join('\n')}\n`,
  );
  paths.forEach((p, i) => {
    const next = `p${(i + 1) % n}.md`;
    const extra = i === 3 ? ' [gone](gone.md) [bad](p0.md#nope) TODO' : '';
    write(
      dir,
      `wiki/${p}`,
      page(`Page ${i}`, `## Part\n\nLinks to [next](${next}#part).${extra}`, { verified: base }),
    );
  });
  return dir;
}

const lint = (root: string, useCache = true) => lintWiki({ root, config, useCache });

describe('lint cache', () => {
  it('re-parses only the page that changed', async () => {
    const dir = sampleWiki(30);
    const cold = await lint(dir);
    expect(cold.stats).toMatchObject({ parsed: 31, cached: 0 });
    const warm = await lint(dir);
    expect(warm.stats).toMatchObject({ parsed: 0, cached: 31 });
    expect(warm.findings).toEqual(cold.findings);

    write(dir, 'wiki/20_SYSTEM/p5.md', page('Page 5', 'Now links to [missing](missing.md).'));
    const after = await lint(dir);
    expect(after.stats).toMatchObject({ parsed: 1, cached: 30 });
    expect(after.findings.filter((f) => f.file === 'wiki/20_SYSTEM/p5.md').map((f) => f.rule)).toContain(
      'broken-link',
    );
    expect(after.findings).toEqual((await lint(dir, false)).findings);
    // The stat table learnt the new content: the next lint reads the cache only.
    expect((await lint(dir)).stats).toMatchObject({ parsed: 0, linksChecked: 0 });
  });

  it('keeps only the frontmatter keys the rules read: keyword lists stay out of the cache', async () => {
    const dir = sampleWiki(3);
    const keywords = Array.from({ length: 50 }, (_, i) => `KEYWORD_${i}`);
    const text = `---\ntitle: Page 1\nhelpviewer_keywords: [${keywords.join(', ')}]\nms.assetid: 61ab45d4\n---\n# Page 1\n`;
    write(dir, 'wiki/20_SYSTEM/p1.md', text);
    const parsed = parsePage('20_SYSTEM/p1.md', text).page.frontmatter;
    expect(parsed.data).toEqual({ title: 'Page 1' });
    expect(parsed.keyLines).toEqual({ title: 2 });
    const cold = await lint(dir);
    const shard = readFileSync(
      metaFile(cacheDirOf(join(dir, '.jidoka', 'cache')), shardOf('20_SYSTEM/p1.md')),
      'utf8',
    );
    expect(shard).toContain('Page 1');
    expect(shard).not.toContain('KEYWORD_');
    expect(cold.findings).toEqual((await lint(dir, false)).findings);
  });

  it('removes the caches of earlier versions when it first writes its own', async () => {
    const dir = sampleWiki(3);
    write(dir, '.jidoka/cache/wiki-v4/shard-00.json', 'old');
    write(dir, '.jidoka/cache/config.json', '{}');
    await lint(dir);
    expect(readdirSync(join(dir, '.jidoka', 'cache')).sort()).toEqual([
      'config.json',
      `wiki-v${PARSER_VERSION}`,
    ]);
  });

  it('gives the same findings with a deleted, truncated, garbage or tampered cache', async () => {
    const dir = sampleWiki(12);
    const expected = (await lint(dir, false)).findings;
    expect(expected.length).toBeGreaterThan(2);
    const cacheDir = cacheDirOf(join(dir, '.jidoka', 'cache'), 'wiki');
    expect((await lint(dir)).findings).toEqual(expected);
    const shards = () => readdirSync(cacheDir).map((f) => join(cacheDir, f));
    const good = new Map(shards().map((f) => [f, readFileSync(f, 'utf8')]));
    expect(good.size).toBeGreaterThan(1);

    rmSync(cacheDir, { recursive: true });
    expect((await lint(dir)).findings).toEqual(expected);

    for (const [f, text] of good) writeFileSync(f, text.slice(0, text.length / 2));
    expect((await lint(dir)).findings).toEqual(expected);

    for (const f of good.keys()) writeFileSync(f, 'not json at all');
    expect((await lint(dir)).findings).toEqual(expected);

    // Valid JSON, edited: a page's headings emptied. The shard's checksum no longer matches: ignored, re-parsed.
    const restore = () => {
      for (const [f, text] of good) writeFileSync(f, text);
    };
    const tamper = (file: string, edit: (entry: Record<string, unknown>) => void) => {
      const [sum, json] = good.get(file)!.split('\n');
      const data = JSON.parse(json!);
      edit(data.entries['20_SYSTEM/p3.md']);
      writeFileSync(file, `${sum}\n${JSON.stringify(data)}`);
      return Object.keys(data.entries).length;
    };
    restore();
    const inShard = tamper(metaFile(cacheDir, shardOf('20_SYSTEM/p3.md')), (e) => {
      (e.page as { headings: string }).headings = '';
    });
    const r = await lint(dir);
    expect(r.findings).toEqual(expected);
    expect(r.stats.parsed).toBe(inShard);
    expect(r.stats.linksChecked).toBe(13);

    // A page's cached links emptied: its body shard is ignored, the page's links read from the file again.
    restore();
    tamper(bodyFile(cacheDir, shardOf('20_SYSTEM/p3.md')), (e) => {
      e.links = '';
    });
    writeFileSync(
      join(dir, 'wiki/20_SYSTEM/p0.md'),
      page('Page 0', '## Other\n\nLinks to [next](p1.md#part).'),
    );
    expect((await lint(dir)).findings).toEqual((await lint(dir, false)).findings);
  });

  it('parses on worker threads with the same findings as inline (compiled build)', async () => {
    const dir = sampleWiki(300);
    // The worker file exists only in dist/, so this test runs the build the global setup made.
    const dist = (await import('../../dist/wiki/lint.js')) as typeof import('../../src/wiki/lint.js');
    const threaded = await dist.lintWiki({ root: dir, config, useCache: false, workers: 2 });
    const inline = await dist.lintWiki({ root: dir, config, useCache: false, workers: 0 });
    expect(threaded.stats.workers).toBe(2);
    expect(inline.stats.workers).toBe(0);
    expect(threaded.findings).toEqual(inline.findings);
    expect(threaded.findings.length).toBeGreaterThan(2);
  });

  it('on a large wiki, finds and parses changed pages on a worker while the cache loads (compiled build)', async () => {
    const dir = sampleWiki(600);
    const dist = (await import('../../dist/wiki/lint.js')) as typeof import('../../src/wiki/lint.js');
    const run = async () => {
      const r = await dist.lintWiki({ root: dir, config });
      expect(r.findings).toEqual((await dist.lintWiki({ root: dir, config, useCache: false })).findings);
      return r.stats;
    };
    expect(await run()).toMatchObject({ scout: 'main', parsed: 601 });
    expect(await run()).toMatchObject({ scout: 'worker', parsed: 0, linksChecked: 0 });
    write(dir, 'wiki/20_SYSTEM/p7.md', page('Page 7', '## Other\n\n[gone](gone.md)'));
    rmSync(join(dir, 'wiki/20_SYSTEM/p9.md'));
    expect(await run()).toMatchObject({ scout: 'worker', parsed: 1, linksChecked: 4 });
    expect(await run()).toMatchObject({ scout: 'worker', parsed: 0, linksChecked: 0 });
    // More changed pages than the worker parses itself: the rest are parsed by the main thread's pool.
    for (let i = 100; i < 180; i++)
      write(dir, `wiki/20_SYSTEM/p${i}.md`, page(`Page ${i}`, `## Part\n\n[next](p${i + 1}.md#part) TODO`));
    expect(await run()).toMatchObject({ scout: 'worker', parsed: 80 });
  });
});

describe('cached link results', () => {
  /** Lint with the cache, and check it agrees with a lint from scratch. */
  const both = async (dir: string) => {
    const cached = await lint(dir);
    expect(cached.findings).toEqual((await lint(dir, false)).findings);
    return cached;
  };
  const p = (i: number) => `wiki/20_SYSTEM/p${i}.md`;

  it('checks only the edited page when its headings stay, and the pages linking to it when they change', async () => {
    const dir = sampleWiki(20);
    expect((await both(dir)).stats.linksChecked).toBe(21);
    expect((await both(dir)).stats.linksChecked).toBe(0);

    write(dir, p(7), page('Page 7', '## Part\n\nLinks to [next](p8.md#part), then [nowhere](nowhere.md).'));
    const edited = await both(dir);
    expect(edited.stats.linksChecked).toBe(1);
    expect(edited.findings.some((f) => f.file === p(7) && f.message.includes('nowhere.md'))).toBe(true);

    // p7's heading renamed: p6 links to p7.md#part (now broken), index.md links to p7; both checked again.
    write(dir, p(7), page('Page 7', '## Renamed\n\nLinks to [next](p8.md#part).'));
    const renamed = await both(dir);
    expect(renamed.stats.linksChecked).toBe(3);
    expect(renamed.findings.some((f) => f.file === p(6) && f.rule === 'broken-anchor')).toBe(true);
  });

  it('follows pages removed and added, and other files deleted and created, with no other edit', async () => {
    const dir = sampleWiki(10);
    write(dir, 'src/x/linked.ts', 'x\n');
    write(dir, p(2), page('Page 2', '## Part\n\n[code](../../src/x/linked.ts) and [next](p3.md#part).'));
    await both(dir);

    rmSync(join(dir, p(5)));
    const removed = await both(dir);
    expect(removed.findings.some((f) => f.file === p(4) && f.rule === 'broken-link')).toBe(true);

    // p3 links to gone.md: writing it mends that link, though p3 did not change.
    write(dir, 'wiki/20_SYSTEM/gone.md', page('Gone', 'Back.'));
    const added = await both(dir);
    expect(added.findings.some((f) => f.file === p(3) && f.message.includes('gone.md'))).toBe(false);

    rmSync(join(dir, 'src/x/linked.ts'));
    const deleted = await both(dir);
    expect(deleted.findings.some((f) => f.file === p(2) && f.message.includes('linked.ts'))).toBe(true);
    write(dir, 'src/x/linked.ts', 'x\n');
    expect((await both(dir)).findings.some((f) => f.message.includes('linked.ts'))).toBe(false);
  });

  it('agrees with a lint from scratch through a random run of edits', async () => {
    const dir = sampleWiki(12);
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const heads = ['Part', 'Other', 'Third'];
    for (let step = 0; step < 30; step++) {
      const i = rand(14);
      const file = p(i);
      switch (rand(6)) {
        case 0:
          rmSync(join(dir, file), { force: true });
          break;
        case 1:
          rmSync(join(dir, `src/x/f${rand(3)}.ts`), { force: true });
          break;
        case 2:
          write(dir, `src/x/f${rand(3)}.ts`, 'x\n');
          break;
        case 3: // retitled: wikilinks by title now lead elsewhere, or nowhere
          write(
            dir,
            file,
            page(`Retitled ${rand(3)}`, `## Part\n\n[[Retitled ${rand(3)}]] [[p${rand(14)}#part]]`),
          );
          break;
        default: {
          const links = [0, 1, 2].map(
            () => `[a](p${rand(14)}.md#${heads[rand(3)]!.toLowerCase()}) [f](../../src/x/f${rand(3)}.ts)`,
          );
          write(
            dir,
            file,
            page(`Page ${i}`, `## ${heads[rand(3)]}\n\n${links.join(' ')} [[Page ${rand(14)}]]`),
          );
        }
      }
      await both(dir);
    }
  });

  it('a crash while saving (shards newer than the manifest) makes every page be checked again', async () => {
    const dir = sampleWiki(10);
    await both(dir);
    const cacheDir = cacheDirOf(join(dir, '.jidoka', 'cache'), 'wiki');
    const manifest = readFileSync(join(cacheDir, 'manifest.json'), 'utf8');
    write(dir, p(4), page('Page 4', '## Moved\n\nText.'));
    await both(dir);
    // As if the process died after writing the shards and before the manifest.
    writeFileSync(join(cacheDir, 'manifest.json'), manifest);
    const after = await both(dir);
    expect(after.stats.linksChecked).toBe(11);
  });
});
