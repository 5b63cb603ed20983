import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, FAKE_AGENT, PROJECT_ROOT, runCli } from '../support/repo.js';
import { commitAll, git, page, tempDir, tempRepo, write } from '../wiki/helpers.js';

/** `jidoka docs sync` through the built CLI, as a user (or cron) runs it. */

/** The built CLI, as a user runs it (the shared helper), with logs silenced. */
async function jidoka(cwd: string, ...args: string[]): Promise<CliResult> {
  return runCli(cwd, args, { JIDOKA_LOG_LEVEL: 'silent' });
}

function repo(): { dir: string; script: string; head: string } {
  const dir = tempRepo();
  write(dir, '.gitignore', '.jidoka/\n');
  write(dir, 'wiki/log.md', readFileSync(join(PROJECT_ROOT, 'templates', 'wiki', 'log.md'), 'utf8'));
  write(dir, 'src/a/a.ts', 'export const a = 1;\n');
  const base = commitAll(dir, 'a');
  write(dir, 'wiki/20_SYSTEM/a.md', page('A', 'A is one.', { sources: '\n  - src/a/**', verified: base }));
  write(dir, 'wiki/index.md', '# Index\n\n- [A](20_SYSTEM/a.md)\n');
  commitAll(dir, 'wiki');
  write(dir, 'src/a/a.ts', 'export const a = 2;\n');
  const head = commitAll(dir, 'a is two');
  const script = join(tempDir('jidoka-script-'), 'script.json');
  write(
    dir,
    'jidoka.yaml',
    `agents:\n  docs:\n    adapter: command\n    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(FAKE_AGENT)}, --script, ${JSON.stringify(script)}]\n    sandbox: { writable: [${JSON.stringify(dirname(script))}] }\n`,
  );
  return { dir, script, head };
}

describe('jidoka docs sync (CLI)', () => {
  it('--dry-run prints what would be updated and why, exit 0, nothing changed', async () => {
    const r = repo();
    const r1 = await jidoka(r.dir, 'docs', 'sync', '--dry-run');
    expect(r1.code).toBe(0);
    expect(r1.stdout).toContain('dry run: nothing changed.');
    expect(r1.stdout).toContain(
      'would update wiki/20_SYSTEM/a.md: its sources changed after its verified commit',
    );
    expect(git(r.dir, 'branch', '--list', 'jidoka/*')).toBe('');
  });

  it('syncs with the scripted agent, then the branch lints clean; a failing agent exits 1', async () => {
    const r = repo();
    writeFileSync(
      r.script,
      JSON.stringify({
        docs: [
          [
            {
              write: 'wiki/20_SYSTEM/a.md',
              content: page('A', 'A is two.', { sources: '\n  - src/a/**', verified: r.head }),
            },
          ],
          [{ exit: 4 }],
        ],
      }),
    );
    const ok = await jidoka(r.dir, 'docs', 'sync', '--json');
    expect(ok.code).toBe(0);
    const result = JSON.parse(ok.stdout);
    expect(result).toMatchObject({ status: 'committed', stale: ['wiki/20_SYSTEM/a.md'], lint: { total: 0 } });
    expect(git(r.dir, 'show', `${result.branch}:wiki/20_SYSTEM/a.md`)).toContain('A is two.');

    git(r.dir, 'merge', '--ff-only', '--quiet', result.branch);
    expect((await jidoka(r.dir, 'wiki', 'lint')).code).toBe(0);

    write(r.dir, 'src/a/a.ts', 'export const a = 3;\n');
    commitAll(r.dir, 'a is three');
    const failed = await jidoka(r.dir, 'docs', 'sync');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/the docs agent failed/);
  });
});
