import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approve, met, setupLine, write } from '../support/line.js';
import { git, runCli } from '../support/repo.js';

const A = write('src/a.js', 'module.exports = "a";\n');
const B = write('src/b.js', 'module.exports = "b";\n');
const script = { maker: [[A], [B]], checker: [[approve()]], goal: [[met()]] };

describe('jidoka merge', () => {
  it('refuses a conflicting main, merges nothing, and says how to bring the plan up to date', () => {
    const { root, planId } = setupLine({ script, roles: ['maker', 'checker', 'goal'] });
    runCli(root, ['plan', 'approve', planId]);
    expect(runCli(root, ['run', planId]).code).toBe(0);
    // Someone commits a different src/a.js on main meanwhile.
    mkdirSync(join(root, 'src'), { recursive: true });
    writeFileSync(join(root, 'src/a.js'), 'module.exports = "A from main";\n');
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'main moves');
    const before = git(root, 'rev-parse', 'main');
    const r = runCli(root, ['merge', planId]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /main has moved and conflicts with jidoka\/two-chunks in: src\/a\.js; nothing was merged/,
    );
    expect(r.stderr).toMatch(/git merge main/);
    expect(git(root, 'rev-parse', 'main')).toBe(before);
    expect(git(root, 'status', '--porcelain')).toBe('');
    expect(readFileSync(join(root, 'src/a.js'), 'utf8')).toBe('module.exports = "A from main";\n');
  });

  it('refuses a plan that is not done, and --pr names what is missing', () => {
    const { root, planId } = setupLine({ script, roles: ['maker', 'checker', 'goal'] });
    const notDone = runCli(root, ['merge', planId]);
    expect(notDone.code).toBe(1);
    expect(notDone.stderr).toMatch(/plan two-chunks is proposed; only done plans merge/);
    runCli(root, ['plan', 'approve', planId]);
    expect(runCli(root, ['run', planId]).code).toBe(0);
    // No gh on this PATH: the message says so and what to do instead.
    const pr = runCli(root, ['merge', planId, '--pr'], { PATH: '/usr/bin:/bin' });
    expect(pr.code).toBe(1);
    expect(pr.stderr).toMatch(/gh \(the GitHub CLI\) is not installed|no remote named origin|not logged in/);
    expect(git(root, 'branch', '--list', `jidoka/${planId}`)).toContain(planId);
  });

  // Two runs and two merged-result checks (the merge queue runs the checks on the merged tree).
  it('merges low-risk plans by itself with merge.mode: auto, and leaves others for a human', {
    timeout: 90_000,
  }, () => {
    const { root, planId } = setupLine({
      script,
      roles: ['maker', 'checker', 'goal'],
      extraConfig: { merge: { mode: 'auto' } },
    });
    runCli(root, ['plan', 'approve', planId]);
    const r = runCli(root, ['run', planId]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/merged automatically \(merge.mode: auto, risk: low\)/);
    expect(git(root, 'log', '-1', '--format=%s', 'main')).toBe('Merge jidoka/two-chunks: Add two modules');

    const medium = setupLine({
      script,
      roles: ['maker', 'checker', 'goal'],
      extraConfig: { merge: { mode: 'auto' } },
    });
    const planFile = join(medium.root, 'plans', `${medium.planId}.md`);
    writeFileSync(planFile, readFileSync(planFile, 'utf8').replace('risk: low', 'risk: medium'));
    git(medium.root, 'commit', '-qam', 'medium risk');
    const main = git(medium.root, 'rev-parse', 'main');
    runCli(medium.root, ['plan', 'approve', medium.planId]);
    const m = runCli(medium.root, ['run', medium.planId]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).not.toMatch(/merged automatically/);
    expect(git(medium.root, 'rev-parse', 'main')).toBe(main);
  });
});
