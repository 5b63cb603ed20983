import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../daemon/daemon-process.js';
import { setupLine } from '../support/line.js';
import { PROJECT_ROOT, runCli } from '../support/repo.js';

/**
 * The daemon under a real pm2 (the devDependency), started from the file
 * `jidoka service pm2` writes, with a private PM2_HOME so the user's own pm2
 * is never touched; the pm2 daemon is killed after the test.
 */
const PM2 = join(PROJECT_ROOT, 'node_modules', 'pm2', 'bin', 'pm2');
let home: string | undefined;

function pm2(...args: string[]) {
  const r = spawnSync(process.execPath, [PM2, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PM2_HOME: home! },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The daemon's pid as pm2 reports it (0 when it is not running). */
function pm2Pid(name: string): number {
  const list = JSON.parse(pm2('jlist').stdout || '[]') as {
    name: string;
    pid: number;
    pm2_env: { status: string };
  }[];
  const app = list.find((a) => a.name === name);
  return app && app.pm2_env.status === 'online' ? app.pid : 0;
}

function lockPid(root: string): number | undefined {
  const f = join(root, '.jidoka', 'daemon.lock');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { pid: number }).pid : undefined;
}

afterEach(() => {
  if (!home) return;
  pm2('kill');
  rmSync(home, { recursive: true, force: true });
  home = undefined;
});

describe('the daemon under pm2', () => {
  it('starts from the generated ecosystem file, comes back after kill -9, and `pm2 stop` returns within 10 s', async () => {
    const { root } = setupLine({ script: {} });
    home = mkdtempSync(join(tmpdir(), 'jidoka-pm2-'));
    const written = runCli(root, ['service', 'pm2']);
    expect(written.code, written.stderr).toBe(0);
    const file = join(root, '.jidoka', 'service', 'ecosystem.config.cjs');
    const name = `jidoka-${root.split('/').pop()}`;
    const started = pm2('start', file);
    expect(started.code, started.stderr + started.stdout).toBe(0);

    // Online, and the daemon (not some wrapper) holds the repository's lock.
    await waitFor(
      () => pm2Pid(name) > 0 && lockPid(root) === pm2Pid(name),
      30_000,
      'the daemon online under pm2',
    );
    const first = pm2Pid(name);

    // kill -9: pm2 restarts it (after the file's restart_delay) and it takes over the stale lock.
    process.kill(first, 'SIGKILL');
    await waitFor(
      () => {
        const pid = pm2Pid(name);
        return pid > 0 && pid !== first && lockPid(root) === pid;
      },
      45_000,
      'pm2 to restart the daemon after kill -9',
    );

    const t0 = Date.now();
    const stopped = pm2('stop', name);
    const took = Date.now() - t0;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(took).toBeLessThan(10_000);
    expect(pm2Pid(name)).toBe(0);
    expect(lockPid(root)).toBeUndefined();

    // Info lines went to pm2's out log (stdout), none to its error log.
    const logs = join(home, 'logs');
    const log = (kind: string) =>
      readdirSync(logs)
        .filter((f) => f.startsWith(`${name}-${kind}`))
        .map((f) => readFileSync(join(logs, f), 'utf8'))
        .join('');
    const out = log('out');
    expect(out).toContain('daemon: watching');
    expect(out).toContain('daemon: took over the stale lock');
    expect(out).toContain('daemon: stopped');
    expect(log('error')).toBe('');
  }, 120_000);
});
