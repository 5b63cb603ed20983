import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../support/repo.js';
import { commitAll, page, tempRepo, write } from './helpers.js';

/** `jidoka wiki lint` as a user runs it: the built CLI in a temp repository. */

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates', 'wiki');

/** The built CLI, as a user runs it (the shared helper), with logs silenced. */
async function jidoka(cwd: string, ...args: string[]): Promise<CliResult> {
  return runCli(cwd, args, { JIDOKA_LOG_LEVEL: 'silent' });
}

function repoWithWiki(): { dir: string; sha: string } {
  const dir = tempRepo();
  for (const f of ['00_SCHEMA.md', 'index.md', 'log.md'])
    write(dir, `wiki/${f}`, readFileSync(join(TEMPLATES, f), 'utf8'));
  write(dir, 'src/x/a.ts', 'x\n');
  const sha = commitAll(dir, 'init');
  write(dir, 'wiki/20_SYSTEM/a.md', page('A', 'A covers x. See [B](b.md#usage).', { verified: sha }));
  write(
    dir,
    'wiki/20_SYSTEM/b.md',
    page('B', '## Usage\n\nSee [A](a.md) and [nothing](c.md).', { verified: sha }),
  );
  return { dir, sha };
}

describe('jidoka wiki lint', () => {
  it('prints findings grouped by file with a summary, exit 1 on errors', async () => {
    const { dir } = repoWithWiki();
    const r = await jidoka(dir, 'wiki', 'lint');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'wiki/20_SYSTEM/b.md\n  13:19  error    c.md: wiki/20_SYSTEM/c.md does not exist',
    );
    expect(r.stdout).toMatch(/broken-link\n/);
    expect(r.stdout).toMatch(
      /wiki\/index\.md\n {2}1:1 {2}error {4}wiki\/20_SYSTEM\/a\.md \("A"\) is not listed in index\.md/,
    );
    expect(r.stdout).toMatch(
      /✖ 3 problems \(3 errors, 0 warnings\) in 5 pages\n {2}2 fixable with `jidoka wiki lint --fix`/,
    );
  });

  it('--json prints the documented shape', async () => {
    const { dir } = repoWithWiki();
    const r = await jidoka(dir, 'wiki', 'lint', '--json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['version', 'pages', 'counts', 'findings']);
    expect(out.counts).toEqual({
      errors: 3,
      warnings: 0,
      fixable: 2,
      byRule: { 'broken-link': 1, 'index-drift': 2 },
    });
    expect(out.findings[0]).toEqual({
      rule: 'broken-link',
      severity: 'error',
      file: 'wiki/20_SYSTEM/b.md',
      line: 13,
      column: 19,
      message: expect.stringContaining('c.md does not exist'),
    });
  });

  it('--fix regenerates index.md, then only the real problem is left; a path limits the report', async () => {
    const { dir } = repoWithWiki();
    const r = await jidoka(dir, 'wiki', 'lint', '--fix');
    expect(r.stdout).toContain('fixed: regenerated index.md');
    expect(readFileSync(join(dir, 'wiki', 'index.md'), 'utf8')).toContain(
      '- [A](20_SYSTEM/a.md) — A covers x.',
    );
    expect(r.stdout).toMatch(/✖ 1 problem \(1 error, 0 warnings\)/);
    expect(r.code).toBe(1);
    const one = await jidoka(dir, 'wiki', 'lint', 'wiki/20_SYSTEM/a.md');
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('no problems');
  });

  it('--fix changes nothing when more than limits.wikiAutoFixMaxIssues issues are found', async () => {
    const { dir } = repoWithWiki();
    write(dir, 'jidoka.yaml', 'limits:\n  wikiAutoFixMaxIssues: 2\n');
    const before = readFileSync(join(dir, 'wiki', 'index.md'), 'utf8');
    const r = await jidoka(dir, 'wiki', 'lint', '--fix', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).fix).toEqual({
      applied: [],
      refused: expect.stringMatching(
        /^3 issues found, more than limits\.wikiAutoFixMaxIssues \(2\): nothing was changed/,
      ),
    });
    expect(readFileSync(join(dir, 'wiki', 'index.md'), 'utf8')).toBe(before);
  });

  it('exit 0 on a clean wiki, exit 2 without one', async () => {
    const { dir, sha } = repoWithWiki();
    write(dir, 'wiki/20_SYSTEM/b.md', page('B', '## Usage\n\nSee [A](a.md).', { verified: sha }));
    await jidoka(dir, 'wiki', 'lint', '--fix');
    const clean = await jidoka(dir, 'wiki', 'lint');
    expect(clean.stdout).toContain('✔ 5 pages, no problems');
    expect(clean.code).toBe(0);
    const bare = tempRepo();
    const none = await jidoka(bare, 'wiki', 'lint');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no wiki folder at .*\n {2}→ run `jidoka init`/);
  });
});
