import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { cacheDirOf, shardOf } from '../../src/wiki/cache.js';
import { lintWiki } from '../../src/wiki/lint.js';
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
  });

  it('gives the same findings with a deleted, truncated, garbage or tampered cache', async () => {
    const dir = sampleWiki(12);
    const expected = (await lint(dir, false)).findings;
    expect(expected.length).toBeGreaterThan(2);
    const cacheDir = cacheDirOf(join(dir, '.jidoka', 'cache'));
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

    // Valid JSON, edited: a page's links emptied. The shard's checksum no longer matches: ignored, re-parsed.
    for (const [f, text] of good) writeFileSync(f, text);
    const p3 = join(cacheDir, `shard-${String(shardOf('20_SYSTEM/p3.md')).padStart(2, '0')}.json`);
    const [sum, json] = good.get(p3)!.split('\n');
    const tampered = JSON.parse(json!);
    tampered.entries['20_SYSTEM/p3.md'].page.links = '';
    writeFileSync(p3, `${sum}\n${JSON.stringify(tampered)}`);
    const r = await lint(dir);
    expect(r.findings).toEqual(expected);
    expect(r.stats.parsed).toBe(Object.keys(tampered.entries).length);
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
});
