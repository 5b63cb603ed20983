import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { serviceName } from '../../src/daemon/service.js';
import { CLI, makeRepo, runCli } from '../support/repo.js';

const hasSystemd = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('jidoka service systemd --worker', () => {
  it('writes a unit that runs `jidoka worker` in this clone, with no reload, stopping after the grace period', () => {
    const root = makeRepo({
      'jidoka.yaml': stringify({ queue: { redis: 'redis://10.0.0.5:6379' }, daemon: { gracePeriod: '45s' } }),
    });
    const r = runCli(root, ['service', 'systemd', '--worker', '--stdout']);
    expect(r.code, r.stderr).toBe(0);
    const unit = r.stdout;
    expect(unit).toContain(`ExecStart=${process.execPath} ${CLI} worker\n`);
    expect(unit).toContain(`WorkingDirectory=${root}\n`);
    expect(unit).not.toContain('ExecReload');
    expect(unit).toContain('KillMode=mixed\n');
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1])).toBeGreaterThan(45);
    expect(unit).toContain(`systemctl --user enable --now ${serviceName(root, true)}`);
    expect(serviceName(root, true)).toMatch(/^jidoka-worker-/);
    if (hasSystemd) {
      const dir = mkdtempSync(join(tmpdir(), 'jidoka-unit-'));
      const file = join(dir, `${serviceName(root, true)}.service`);
      writeFileSync(file, unit);
      const v = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
      expect(v.status, `${v.stdout}${v.stderr}`).toBe(0);
    }
    const written = runCli(root, ['service', 'systemd', '--worker']);
    expect(written.stdout).toContain(`.jidoka/service/${serviceName(root, true)}.service`);
  });

  it('refuses a worker without queue.redis, and --worker for pm2', () => {
    const none = makeRepo({ 'jidoka.yaml': stringify({ daemon: { gracePeriod: '30s' } }) });
    const r = runCli(none, ['service', 'systemd', '--worker', '--stdout']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a worker needs queue.redis/);
    const withQueue = makeRepo({ 'jidoka.yaml': stringify({ queue: { redis: 'redis://h:6379' } }) });
    const p = runCli(withQueue, ['service', 'pm2', '--worker', '--stdout']);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/--worker writes a systemd unit only/);
  });
});
