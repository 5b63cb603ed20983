import { describe, expect, it } from 'vitest';
import { bwrapArgs, bwrapCommand, orderMounts } from '../../src/sandbox/bwrap-args.js';
import { checkWritable, privateDirs, roleWritable } from '../../src/sandbox/writable.js';

describe('bwrap argv (pure)', () => {
  it('read-only disk, fresh /dev and /proc, PID namespace that dies with bwrap, new session, cwd; network kept', () => {
    const args = bwrapArgs({ mounts: [{ path: '/wt', writable: true }], cwd: '/wt' });
    expect(args.slice(0, 9)).toEqual([
      '--ro-bind',
      '/',
      '/',
      '--dev',
      '/dev',
      '--proc',
      '/proc',
      '--bind',
      '/wt',
    ]);
    expect(args).toEqual(expect.arrayContaining(['--unshare-pid', '--die-with-parent', '--new-session']));
    // Run as root, bwrap keeps every capability unless told: enough to remount / writable.
    expect(args.join(' ')).toContain('--cap-drop ALL');
    expect(args.slice(-2)).toEqual(['--chdir', '/wt']);
    expect(args).not.toContain('--unshare-net');
    expect(args).not.toContain('--unshare-all');
  });

  it('the command follows --', () => {
    const argv = bwrapCommand({ mounts: [], cwd: '/x' }, '/bin/echo', ['a', '--b']);
    expect(argv.slice(argv.indexOf('--'))).toEqual(['--', '/bin/echo', 'a', '--b']);
  });

  it('binds parents first, so a read-only path inside a writable one stays read-only', () => {
    const args = bwrapArgs({
      mounts: [
        { path: '/repo/.git', writable: false },
        { path: '/repo/.jidoka/runs/r/step', writable: true },
        { path: '/repo', writable: true },
        { path: '/repo/.jidoka/state', writable: false },
      ],
      cwd: '/repo',
    });
    const binds = args
      .map((a, i) => (a === '--bind' || a === '--ro-bind' ? `${a} ${args[i + 1]}` : undefined))
      .filter(Boolean);
    expect(binds).toEqual([
      '--ro-bind /',
      '--bind /repo',
      '--ro-bind /repo/.git',
      '--ro-bind /repo/.jidoka/state',
      '--bind /repo/.jidoka/runs/r/step',
    ]);
  });

  it('a path named twice is bound once, read-only if either says so; trailing slashes do not make it another path', () => {
    expect(
      orderMounts([
        { path: '/a/', writable: true },
        { path: '/a', writable: false },
        { path: '/b', writable: true },
        { path: '/b/', writable: true },
      ]),
    ).toEqual([
      { path: '/a', writable: false },
      { path: '/b', writable: true },
    ]);
  });
});

describe('what each role may write', () => {
  const step = { cwd: '/wt', stepDir: '/runs/s' };
  it('maker and docs: their worktree and step dir; checker, goal, diagnose: only the step dir', () => {
    expect(roleWritable({ ...step, role: 'maker' })).toEqual(['/wt', '/runs/s']);
    expect(roleWritable({ ...step, role: 'docs' })).toEqual(['/wt', '/runs/s']);
    expect(roleWritable({ ...step, role: 'checker' })).toEqual(['/runs/s']);
    expect(roleWritable({ ...step, role: 'goal' })).toEqual(['/runs/s']);
    expect(roleWritable({ ...step, role: 'diagnose' })).toEqual(['/runs/s']);
  });

  it('auditor: its scratch checkout and the plans staging folder; configured paths last, ~ is the real home', () => {
    const w = roleWritable({ ...step, role: 'auditor', plansDir: '/stage' }, ['~/.claude', '/opt/cache']);
    expect(w.slice(0, 3)).toEqual(['/wt', '/runs/s', '/stage']);
    expect(w[3]).toMatch(/\/\.claude$/);
    expect(w[3]?.startsWith('~')).toBe(false);
    expect(w[4]).toBe('/opt/cache');
  });

  it('checks: the worktree and their temp dir', () => {
    expect(checkWritable('/wt', '/runs/c/tmp-1')).toEqual(['/wt', '/runs/c/tmp-1']);
  });

  it('the private HOME and TMPDIR live in the step dir', () => {
    expect(privateDirs('/runs/s')).toEqual({ home: '/runs/s/home', tmp: '/runs/s/tmp' });
  });
});
