/**
 * The sandbox with real bwrap and real git: what a step can and cannot
 * write, and that nothing it started outlives it. Each attack is a way an
 * agent that wants past the sandbox would try.
 */

import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildEnv, runProcess } from '../../src/agents/runner.js';
import { stepMounts } from '../../src/sandbox/mounts.js';
import { alive, pidsWith } from '../support/process.js';
import { git, makeRepo } from '../support/repo.js';

/** A main checkout with Jidoka's state, a linked worktree for plan p1 and a step dir, as the line lays them out. */
function layout() {
  const root = realpathSync(makeRepo({ 'README.md': '# demo\n', 'src/a.js': 'a\n' }));
  const worktree = join(root, '.jidoka', 'worktrees', 'p1');
  git(root, 'worktree', 'add', '-q', '-b', 'jidoka/p1', worktree);
  mkdirSync(join(root, '.jidoka', 'state'), { recursive: true });
  writeFileSync(join(root, '.jidoka', 'state', 'approvals.json'), '{}\n');
  const stepDir = join(root, '.jidoka', 'runs', 'r1', 'c1-a1-maker');
  mkdirSync(stepDir, { recursive: true });
  return { root, worktree, stepDir };
}

/** Run `script` with sh inside the sandbox, writing only `writable`. */
function sh(cwd: string, writable: string[], script: string, timeoutMs = 20_000) {
  const tmp = join(writable[writable.length - 1] ?? cwd, 'tmp');
  return runProcess({
    file: script,
    args: [],
    shell: true,
    cwd,
    env: buildEnv({}, { tmpDir: tmp }),
    timeoutMs,
    killGraceMs: 300,
    maxOutputBytes: 1 << 20,
    sandbox: { writable: [...writable, tmp] },
  });
}

describe('sandbox mounts (real repositories)', () => {
  it("a maker's worktree is writable but its .git file is not; the main .git and state stay read-only by default", () => {
    const { root, worktree, stepDir } = layout();
    const m = stepMounts([worktree, stepDir], worktree);
    expect(m.mounts).toEqual(
      expect.arrayContaining([
        { path: worktree, writable: true },
        { path: stepDir, writable: true },
        { path: join(worktree, '.git'), writable: false },
      ]),
    );
    // Not under a writable path: read-only already, no bind needed.
    expect(m.mounts.map((x) => x.path)).not.toContain(join(root, '.git'));
  });

  it('a writable repository root keeps its git dir and Jidoka state read-only; a configured path inside .git is refused', () => {
    const { root, stepDir } = layout();
    const m = stepMounts([root, stepDir, join(root, '.git', 'hooks')], root);
    expect(m.mounts).toEqual(
      expect.arrayContaining([
        { path: root, writable: true },
        { path: join(root, '.git'), writable: false },
        { path: join(root, '.jidoka', 'state'), writable: false },
      ]),
    );
    expect(m.refused).toEqual([join(root, '.git', 'hooks')]);
    expect(m.writable).not.toContain(join(root, '.git', 'hooks'));
  });

  it('a writable path given through a symlink is bound as its real path', () => {
    const { worktree, stepDir } = layout();
    const link = join(mkdtempSync(join(tmpdir(), 'jidoka-link-')), 'wt');
    symlinkSync(worktree, link);
    expect(stepMounts([link, stepDir], worktree).writable).toEqual([worktree, stepDir]);
  });
});

describe('inside the sandbox (real bwrap)', () => {
  it('the worktree and step dir are writable; the main checkout, its .git and Jidoka state are not', async () => {
    const { root, worktree, stepDir } = layout();
    const r = await sh(
      worktree,
      [worktree, stepDir],
      [
        'echo ok > made.txt',
        `echo ok > "${stepDir}/report.json"`,
        `echo x > "${root}/src/a.js" 2>/dev/null && echo MAIN-WRITTEN`,
        `echo x > "${root}/.git/hooks/pre-commit" 2>/dev/null && echo HOOK-WRITTEN`,
        `echo x >> "${root}/.git/config" 2>/dev/null && echo CONFIG-WRITTEN`,
        `echo x > "${root}/.git/refs/heads/main" 2>/dev/null && echo REF-WRITTEN`,
        `echo x > "${root}/.jidoka/state/approvals.json" 2>/dev/null && echo STATE-WRITTEN`,
        'echo "gitdir: /tmp/evil" > .git 2>/dev/null && echo GITFILE-WRITTEN',
        // The worktree's own git dir (.git/worktrees/p1): its config.worktree, commondir, HEAD, index.
        `echo x > "${root}/.git/worktrees/p1/config.worktree" 2>/dev/null && echo WTCONFIG-WRITTEN`,
        `echo /tmp/evil > "${root}/.git/worktrees/p1/commondir" 2>/dev/null && echo COMMONDIR-WRITTEN`,
        `echo x > "${root}/.git/worktrees/p1/HEAD" 2>/dev/null && echo WTHEAD-WRITTEN`,
        `git config --worktree core.fsmonitor x 2>/dev/null && echo GIT-CONFIG-WORKTREE-WRITTEN`,
        `echo x > /tmp/jidoka-escape-$$ 2>/dev/null && echo TMP-WRITTEN`,
        'true',
      ].join('; '),
    );
    expect(r.sandboxed).toBe(true);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(join(worktree, 'made.txt'), 'utf8')).toBe('ok\n');
    expect(readFileSync(join(stepDir, 'report.json'), 'utf8')).toBe('ok\n');
    expect(readFileSync(join(root, 'src', 'a.js'), 'utf8')).toBe('a\n');
    expect(existsSync(join(root, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect(readFileSync(join(root, '.jidoka', 'state', 'approvals.json'), 'utf8')).toBe('{}\n');
    expect(readFileSync(join(worktree, '.git'), 'utf8')).toMatch(/^gitdir: .*worktrees\/p1/);
  });

  it("the daemon's signing key (.jidoka/queue) cannot even be read, by any path", async () => {
    const { root, worktree, stepDir } = layout();
    mkdirSync(join(root, '.jidoka', 'queue'), { recursive: true });
    writeFileSync(join(root, '.jidoka', 'queue', 'approval.key'), 'PRIVATE-KEY\n');
    const r = await sh(
      worktree,
      [worktree, stepDir],
      [
        `cat "${root}/.jidoka/queue/approval.key" 2>/dev/null`,
        `cat "/proc/self/root${root}/.jidoka/queue/approval.key" 2>/dev/null`,
        `cat ../../queue/approval.key 2>/dev/null`,
        `ln -s "${root}/.jidoka" j && cat j/queue/approval.key 2>/dev/null`,
        `grep -r PRIVATE "${root}/.jidoka" 2>/dev/null`,
        `echo x > "${root}/.jidoka/queue/approval.key" 2>/dev/null && echo KEY-WRITTEN`,
        'true',
      ].join('; '),
    );
    expect(r.sandboxed).toBe(true);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(join(root, '.jidoka', 'queue', 'approval.key'), 'utf8')).toBe('PRIVATE-KEY\n');
    // A writable root (the auditor's kind of mount) does not uncover it either.
    const m = stepMounts([root, stepDir], root);
    expect(m.mounts).toContainEqual({ path: join(root, '.jidoka', 'queue'), writable: false, hidden: true });
    // A step whose cwd and writable paths are outside the repository (a probe in a temp folder)
    // still has it hidden: Jidoka runs in the repository, so its secrets are found from there.
    const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'jidoka-probe-')));
    const mountsJs = fileURLToPath(new URL('../../dist/sandbox/mounts.js', import.meta.url));
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { stepMounts } = await import(${JSON.stringify(mountsJs)}); console.log(JSON.stringify(stepMounts([${JSON.stringify(tmp)}], ${JSON.stringify(tmp)}).mounts))`,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toContainEqual({
      path: join(root, '.jidoka', 'queue'),
      writable: false,
      hidden: true,
    });
  });

  it('a symlink, /proc/self/root or a hard link in the worktree does not reach a read-only path', async () => {
    const { root, worktree, stepDir } = layout();
    const r = await sh(
      worktree,
      [worktree, stepDir],
      [
        `ln -s "${root}/.git/hooks" hooks-link && echo x > hooks-link/post-checkout 2>/dev/null && echo SYMLINK-WRITTEN`,
        `echo x > "/proc/self/root${root}/README.md" 2>/dev/null && echo PROC-WRITTEN`,
        `ln "${root}/.git/config" config-link 2>/dev/null && echo HARDLINK-MADE`,
        'mount -o remount,rw / 2>/dev/null && echo REMOUNTED',
        "grep CapEff /proc/self/status | grep -qv '0000000000000000' && echo HAS-CAPABILITIES",
        'true',
      ].join('; '),
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(existsSync(join(root, '.git', 'hooks', 'post-checkout'))).toBe(false);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toBe('# demo\n');
  });

  it('the maker can read git (status, diff, log) but not stage, commit or move refs', async () => {
    const { worktree, stepDir } = layout();
    const r = await sh(
      worktree,
      [worktree, stepDir],
      [
        'echo b > b.js',
        'git status --porcelain',
        'git diff --stat',
        'git log -1 --format=%s',
        'git add -A 2>/dev/null && echo STAGED',
        'git update-ref refs/heads/main HEAD 2>/dev/null && echo REF-MOVED',
        'git symbolic-ref HEAD refs/heads/main 2>/dev/null && echo HEAD-MOVED',
        'true',
      ].join('; '),
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('?? b.js\ninitial\n');
    expect(git(worktree, 'symbolic-ref', 'HEAD')).toBe('refs/heads/jidoka/p1');
    expect(git(worktree, 'diff', '--cached', '--name-only')).toBe('');
  });

  it('a process detached into a new session (double fork) ends with the step', async () => {
    const { worktree, stepDir } = layout();
    const tag = `${Math.floor(Math.random() * 1e6) + 10_000}.123`; // a sleep nobody else runs
    const r = await sh(
      worktree,
      [worktree, stepDir],
      `setsid sh -c 'sleep ${tag} </dev/null >/dev/null 2>&1 & echo $! > detached.pid' & sleep 0.3; cat detached.pid`,
    );
    expect(r.exitCode).toBe(0);
    expect(Number(r.stdout.trim())).toBeGreaterThan(0);
    // The step's return means the PID namespace is torn down: nothing it started is left, at once.
    expect(pidsWith(`sleep\0${tag}`).filter(alive)).toEqual([]);
  });

  it('many detached processes: all are gone when the step returns (the runner waits for the namespace)', async () => {
    const { worktree, stepDir } = layout();
    const tag = `${Math.floor(Math.random() * 1e6) + 10_000}.789`;
    // Hundreds of processes, and one holding a GiB of memory, make the kernel's teardown of the namespace
    // take a while after bwrap itself returns.
    const hog = `const b = Buffer.alloc(1 << 30, 1); setInterval(() => b, 1e6); // ${tag}`;
    const r = await sh(
      worktree,
      [worktree, stepDir],
      `setsid sh -c 'for i in $(seq 300); do sleep ${tag} </dev/null >/dev/null 2>&1 & done; wait' &
       setsid node -e '${hog}' </dev/null >/dev/null 2>&1 & sleep 1.5`,
    );
    expect(r.exitCode).toBe(0);
    expect([...pidsWith(`sleep\0${tag}`), ...pidsWith(`// ${tag}`)].filter(alive)).toEqual([]);
  });

  it('a detached process ends with a step killed at its timeout too', async () => {
    const { worktree, stepDir } = layout();
    const tag = `${Math.floor(Math.random() * 1e6) + 10_000}.456`;
    const run = sh(
      worktree,
      [worktree, stepDir],
      `setsid sh -c 'sleep ${tag} </dev/null >/dev/null 2>&1 &' ; exec sleep 600`,
      1_000,
    );
    // While the step runs the detached sleep is there (the check below can see it)...
    await new Promise((r) => setTimeout(r, 500));
    expect(pidsWith(`sleep\0${tag}`).filter(alive).length).toBe(1);
    const r = await run;
    expect(r.timedOut).toBe(true);
    // ...and once the step is over it is gone.
    expect(pidsWith(`sleep\0${tag}`).filter(alive)).toEqual([]);
  });

  it('a missing executable is reported as not started, not as bwrap failing', async () => {
    const { worktree, stepDir } = layout();
    const r = await runProcess({
      file: join(worktree, 'no-such-tool'),
      args: [],
      cwd: worktree,
      env: buildEnv({}, { tmpDir: stepDir }),
      timeoutMs: 5_000,
      maxOutputBytes: 1024,
      sandbox: { writable: [worktree, stepDir] },
    });
    expect(r.spawnError).toMatch(/ENOENT/);
    expect(r.sandboxError).toBeUndefined();
  });
});
