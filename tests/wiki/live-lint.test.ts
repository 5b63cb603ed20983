import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { lintWiki } from '../../src/wiki/lint.js';
import { healthFile, type LiveLint, startLiveLint, type WikiHealth } from '../../src/wiki/live-lint.js';
import { makeRepo, PROJECT_ROOT } from '../support/repo.js';

/**
 * The daemon's wiki lint in memory: after each edit (one page parsed again,
 * the rules over the model in memory) its findings are exactly those of a
 * full `jidoka wiki lint` of the same files.
 */
let live: LiveLint | undefined;
afterEach(async () => {
  await live?.close();
  live = undefined;
});

function templateWiki(): Record<string, string> {
  const dir = join(PROJECT_ROOT, 'templates', 'wiki');
  return Object.fromEntries(readdirSync(dir).map((f) => [`wiki/${f}`, readFileSync(join(dir, f), 'utf8')]));
}

const page = (title: string, body: string) =>
  `---\ntitle: ${title}\ntype: domain\nupdated: 2026-12-01\n---\n# ${title}\n\n${body}\n`;

describe('the live wiki lint', () => {
  it('after every kind of edit, gives the findings a full lint gives', { timeout: 60_000 }, async () => {
    const root = makeRepo({
      ...templateWiki(),
      'wiki/10_DOMAIN/a.md': page('A', 'See [B, part two](b.md#part-two).'),
      'wiki/10_DOMAIN/b.md': page('B', '## Part two\n\nText.'),
    });
    const { config } = loadConfig(root);
    live = startLiveLint(root, config);
    await live.ready;
    const full = async () => (await lintWiki({ root, config, useCache: false })).findings;
    expect(live.current()!.findings).toEqual(await full());

    const next = () => new Promise<WikiHealth>((r) => live!.onChange(r));
    const edits: [string, () => void][] = [
      [
        'a broken link',
        () => writeFileSync(join(root, 'wiki/10_DOMAIN/a.md'), page('A', 'See [gone](gone.md).')),
      ],
      [
        'the link fixed',
        () => writeFileSync(join(root, 'wiki/10_DOMAIN/a.md'), page('A', 'See [B](b.md#part-two).')),
      ],
      [
        'a heading renamed that another page links to',
        () => writeFileSync(join(root, 'wiki/10_DOMAIN/b.md'), page('B', '## Part 2\n\nText.')),
      ],
      ['a new page', () => writeFileSync(join(root, 'wiki/10_DOMAIN/c.md'), page('C', 'TODO write this'))],
      ['a page removed', () => rmSync(join(root, 'wiki/10_DOMAIN/b.md'))],
    ];
    const times: number[] = [];
    for (const [what, edit] of edits) {
      const changed = next();
      edit();
      const health = await changed;
      times.push(health.relintMs);
      expect(health.findings, what).toEqual(await full());
    }
    expect(live.current()!.findings.some((f) => f.rule === 'placeholder')).toBe(true);
    // Readers in other processes (status) see the same state.
    expect(JSON.parse(readFileSync(healthFile(root), 'utf8')).findings).toEqual(live.current()!.findings);
    console.log(`live lint: relint after an edit took ${times.join(', ')} ms`);
  });
});
