import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setupLine } from '../support/line.js';
import { runCli } from '../support/repo.js';
import { alive, type DaemonProcess, killDaemon, spawnDaemon } from './daemon-process.js';

let daemons: DaemonProcess[] = [];
afterEach(async () => {
  for (const d of daemons) await killDaemon(d);
  daemons = [];
});

describe('one daemon per repository', () => {
  it('refuses a second daemon, naming the pid, and releases the lock on SIGTERM', async () => {
    const { root } = setupLine({ script: {} });
    const first = spawnDaemon(root);
    daemons.push(first);
    await first.waitForLog(/^daemon: watching /);
    const lock = JSON.parse(readFileSync(join(root, '.jidoka/daemon.lock'), 'utf8'));
    expect(lock.pid).toBe(first.pid);

    const second = runCli(root, ['daemon']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      `the jidoka daemon for this repository is already running (pid ${first.pid}`,
    );
    expect(alive(first.pid)).toBe(true);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(join(root, '.jidoka/daemon.lock'))).toBe(false);
  });

  it('takes over a lock left by a dead process, and says so', async () => {
    const { root } = setupLine({ script: {} });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    expect(alive(dead)).toBe(false);
    mkdirSync(join(root, '.jidoka'), { recursive: true });
    writeFileSync(
      join(root, '.jidoka/daemon.lock'),
      `${JSON.stringify({ pid: dead, hostname: hostname(), startedAt: '2026-01-01T00:00:00.000Z', purpose: 'the jidoka daemon for this repository' })}\n`,
    );
    const d = spawnDaemon(root);
    daemons.push(d);
    expect(await d.waitForLog(/stale lock/)).toContain(`pid ${dead}`);
    await d.waitForLog(/^daemon: watching /);
    expect(JSON.parse(readFileSync(join(root, '.jidoka/daemon.lock'), 'utf8')).pid).toBe(d.pid);
    d.child.kill('SIGINT');
    expect(await d.exited).toBe(0);
    expect(existsSync(join(root, '.jidoka/daemon.lock'))).toBe(false);
  });
});
