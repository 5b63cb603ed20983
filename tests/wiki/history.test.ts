import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { lintWiki } from '../../src/wiki/lint.js';
import { commitAll, git, page, tempRepo, write } from './helpers.js';

/** stale-page, unknown-verified and uncovered-source, on real git history in temp repositories. */

function wiki(dir: string, pages: Record<string, string>): void {
  write(
    dir,
    'wiki/index.md',
    `# Index\n\n${Object.keys(pages)
      .map((p) => `- [${p}](${p})`)
      .join('\n')}\n`,
  );
  for (const [p, text] of Object.entries(pages)) write(dir, `wiki/${p}`, text);
}

const config = defaultConfig();
const lint = (root: string) => lintWiki({ root, config, useCache: false });

describe('stale-page', () => {
  it('names the commits after `verified` that changed files matched by the page sources', async () => {
    const dir = tempRepo();
    write(dir, 'src/agents/run.ts', 'export const a = 1;\n');
    write(dir, 'src/other/x.ts', 'export const x = 1;\n');
    const base = commitAll(dir, 'add agents');
    wiki(dir, {
      '20_SYSTEM/agents.md': page('Agents', 'Runs agents.', {
        sources: '\n  - src/agents/**',
        verified: base,
      }),
      '20_SYSTEM/other.md': page('Other', 'Other.', { sources: '\n  - src/other', verified: base }),
    });
    commitAll(dir, 'wiki');
    expect((await lint(dir)).findings.filter((f) => f.rule === 'stale-page')).toEqual([]);

    write(dir, 'src/agents/run.ts', 'export const a = 2;\n');
    const c1 = commitAll(dir, 'agents: change a');
    write(dir, 'src/agents/new.ts', 'export const n = 1;\n');
    const c2 = commitAll(dir, 'agents: add new');
    write(dir, 'README.md', 'unrelated\n');
    commitAll(dir, 'readme');

    const stale = (await lint(dir)).findings.filter((f) => f.rule === 'stale-page');
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({ file: 'wiki/20_SYSTEM/agents.md', line: 6, severity: 'error' });
    expect(stale[0]?.message).toContain('src/agents/new.ts, src/agents/run.ts changed in 2 commits');
    expect(stale[0]?.message).toContain(`${c2.slice(0, 8)} "agents: add new"`);
    expect(stale[0]?.message).toContain(`${c1.slice(0, 8)} "agents: change a"`);
    expect(stale[0]?.message).toContain(`set verified: ${git(dir, 'rev-parse', 'HEAD')}`);

    // Updating the page and bumping verified clears it.
    const head = git(dir, 'rev-parse', 'HEAD');
    write(
      dir,
      'wiki/20_SYSTEM/agents.md',
      page('Agents', 'Runs agents, new too.', { sources: '\n  - src/agents/**', verified: head }),
    );
    commitAll(dir, 'wiki: agents');
    expect((await lint(dir)).findings.filter((f) => f.rule === 'stale-page')).toEqual([]);
  });

  it('counts a rename away from the sources as a change (old paths are matched)', async () => {
    const dir = tempRepo();
    write(dir, 'src/a/m.ts', 'export const m = 1;\n'.repeat(20));
    const base = commitAll(dir, 'a');
    wiki(dir, { '20_SYSTEM/a.md': page('A', 'A.', { sources: '\n  - src/a/**', verified: base }) });
    commitAll(dir, 'wiki');
    git(dir, 'mv', 'src/a/m.ts', 'src/b.ts');
    commitAll(dir, 'move m out of a');
    const stale = (await lint(dir)).findings.filter((f) => f.rule === 'stale-page');
    expect(stale[0]?.message).toContain('src/a/m.ts changed in 1 commit');
  });
});

describe('unknown-verified', () => {
  it('is its own finding when the sha is not a commit of the repository', async () => {
    const dir = tempRepo();
    write(dir, 'src/a/m.ts', 'x\n');
    const base = commitAll(dir, 'a');
    wiki(dir, {
      '20_SYSTEM/a.md': page('A', 'A.', { sources: '\n  - src/a/**', verified: 'deadbeef'.repeat(5) }),
      '20_SYSTEM/b.md': page('B', 'B.', { sources: '\n  - src/a/**', verified: base.slice(0, 10) }),
    });
    commitAll(dir, 'wiki');
    const f = (await lint(dir)).findings.filter(
      (x) => x.rule === 'unknown-verified' || x.rule === 'stale-page',
    );
    expect(f).toEqual([
      expect.objectContaining({
        rule: 'unknown-verified',
        file: 'wiki/20_SYSTEM/a.md',
        line: 6,
        message: expect.stringMatching(/verified: deadbeef\w+ is not a commit in this repository/),
      }),
    ]);
  });
});

describe('uncovered-source', () => {
  it('reports folders none of whose files any page covers, and single files in covered folders', async () => {
    const dir = tempRepo();
    write(dir, 'src/wiki/lint.ts', 'x\n');
    write(dir, 'src/wiki/rules/links.ts', 'x\n');
    write(dir, 'src/agents/run.ts', 'x\n');
    write(dir, 'src/agents/adapters/claude.ts', 'x\n');
    write(dir, 'src/main.ts', 'x\n');
    write(dir, 'docs/notes.ts', 'not under src/**\n');
    const base = commitAll(dir, 'code');
    wiki(dir, {
      '20_SYSTEM/wiki.md': page('Wiki', 'Wiki.', { sources: '\n  - src/wiki/lint.ts', verified: base }),
    });
    write(dir, 'src/loops/document.ts', 'untracked but not ignored: a new module\n');
    write(dir, '.gitignore', 'src/ignored/\n');
    write(dir, 'src/ignored/x.ts', 'ignored\n');
    const f = (await lint(dir)).findings.filter((x) => x.rule === 'uncovered-source');
    expect(f.map((x) => [x.file, x.severity])).toEqual([
      ['src/agents/', 'warning'],
      ['src/loops/', 'warning'],
      ['src/main.ts', 'warning'],
      ['src/wiki/rules/', 'warning'],
    ]);
    expect(f[0]?.message).toBe(
      'no wiki page covers src/agents/ (2 files); write a page whose sources include src/agents/**',
    );

    write(dir, 'wiki/20_SYSTEM/wiki.md', page('Wiki', 'Wiki.', { sources: '\n  - src/**', verified: base }));
    expect((await lint(dir)).findings.filter((x) => x.rule === 'uncovered-source')).toEqual([]);
  });

  it('uses the globs configured in docs.uncovered', async () => {
    const dir = tempRepo();
    write(dir, 'lib/a.ts', 'x\n');
    write(dir, 'src/b.ts', 'x\n');
    commitAll(dir, 'code');
    wiki(dir, {});
    const custom = { ...config, docs: { ...config.docs, uncovered: ['lib/**'] } };
    const f = (await lintWiki({ root: dir, config: custom, useCache: false })).findings;
    expect(f.filter((x) => x.rule === 'uncovered-source').map((x) => x.file)).toEqual(['lib/']);
  });
});
