import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGitVersion } from '../../src/doctor/git-checks.js';
import { formatReport, makeReport } from '../../src/doctor/report.js';
import { judgeLock } from '../../src/doctor/state-checks.js';
import { resolveExecutable } from '../../src/doctor/which.js';
import { tempDir } from '../init/helpers.js';

describe('parseGitVersion', () => {
  it('reads plain, vendor and two-part versions', () => {
    expect(parseGitVersion('git version 2.39.5\n')).toEqual([2, 39, 5]);
    expect(parseGitVersion('git version 2.39.3 (Apple Git-145)')).toEqual([2, 39, 3]);
    expect(parseGitVersion('git version 2.45.windows.1')).toEqual([2, 45, 0]);
    expect(parseGitVersion('hello')).toBeUndefined();
  });
});

describe('judgeLock', () => {
  const here = { hostname: 'box', alive: (pid: number) => pid === 42 };
  const info = (pid: number, host = 'box') => ({ pid, hostname: host, startedAt: 'T', purpose: 'daemon' });
  it('tells no lock, unreadable, live, stale and foreign apart', () => {
    expect(judgeLock(undefined, false, here).kind).toBe('none');
    expect(judgeLock(undefined, true, here).kind).toBe('unreadable');
    expect(judgeLock({ ...info(1), pid: 'x' as unknown as number }, true, here).kind).toBe('unreadable');
    expect(judgeLock(info(42), true, here).kind).toBe('held');
    expect(judgeLock(info(7), true, here).kind).toBe('stale');
    expect(judgeLock(info(7, 'other'), true, here).kind).toBe('elsewhere');
  });
});

describe('resolveExecutable', () => {
  it('finds executables on PATH and relative to the root, never plain files', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'agent'), '#!/bin/sh\n');
    chmodSync(join(dir, 'bin', 'agent'), 0o755);
    writeFileSync(join(dir, 'bin', 'notes'), 'text');
    expect(resolveExecutable('agent', { cwd: '/', path: join(dir, 'bin') })).toBe(join(dir, 'bin', 'agent'));
    expect(resolveExecutable('notes', { cwd: '/', path: join(dir, 'bin') })).toBeUndefined();
    expect(resolveExecutable('./bin/agent', { cwd: dir, path: '' })).toBe(join(dir, 'bin', 'agent'));
    expect(resolveExecutable('bin', { cwd: dir, path: dir })).toBeUndefined();
  });
});

describe('formatReport', () => {
  it('marks each check, indents continuation lines and hints, and ends with the verdict', () => {
    const report = makeReport([
      { id: 'git', status: 'ok', message: 'git 2.39.5' },
      { id: 'config', status: 'fail', message: 'two problems:\nline a\nline b', hint: 'fix them' },
      { id: 'lock', status: 'warn', message: 'stale', hint: 'remove it' },
    ]);
    expect(report.ok).toBe(false);
    expect(formatReport(report, '/r')).toBe(
      [
        'jidoka doctor: /r',
        '',
        '✓ git    git 2.39.5',
        '✗ config two problems:',
        '         line a',
        '         line b',
        '         → fix them',
        '! lock   stale',
        '         → remove it',
        '',
        '1 check failed, 1 warning: fix the ✗ lines above.',
      ].join('\n'),
    );
    expect(formatReport(makeReport([{ id: 'a', status: 'warn', message: 'm', hint: 'h' }]), '/r')).toMatch(
      /Healthy, with 1 warning\.$/,
    );
  });
});
