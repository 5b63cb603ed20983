import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { defaultConfig } from '../../src/config/schema.js';
import { serviceName, systemdCommand, systemdUnit } from '../../src/daemon/service.js';
import { CLI, makeRepo, runCli } from '../support/repo.js';

const hasSystemd = spawnSync('systemd-analyze', ['--version']).status === 0;

/** `systemd-analyze verify` on a unit text: its exit code and complaints. */
function verifyUnit(text: string, name = 'jidoka-verify.service'): { code: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'jidoka-unit-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  return { code: r.status, output: r.stdout + r.stderr };
}

interface Pm2App {
  name: string;
  script: string;
  args: string;
  interpreter: string;
  cwd: string;
  exec_mode: string;
  instances: number;
  kill_timeout: number;
  treekill: boolean;
  env: Record<string, string>;
}

/** Load an ecosystem file as pm2 does (CommonJS). */
function loadEcosystem(text: string): { apps: Pm2App[] } {
  const module = { exports: {} as { apps: Pm2App[] } };
  new Function('module', text)(module);
  return module.exports;
}

function repoWithGrace(grace: string, prefix = 'jidoka-svc-'): string {
  return makeRepo({ 'jidoka.yaml': stringify({ daemon: { gracePeriod: grace } }) }, prefix);
}

describe('jidoka service', () => {
  it('systemd --stdout: a unit that runs `jidoka daemon` in this repository, stopping after the grace period', () => {
    const root = repoWithGrace('45s');
    const r = runCli(root, ['service', 'systemd', '--stdout']);
    expect(r.code, r.stderr).toBe(0);
    const unit = r.stdout;
    expect(unit).toContain(`WorkingDirectory=${root}\n`);
    expect(unit).toContain(`ExecStart=${process.execPath} ${CLI} daemon\n`);
    expect(unit).toContain('ExecReload=/bin/kill -HUP $MAINPID\n');
    expect(unit).toContain('KillSignal=SIGTERM\n');
    expect(unit).toContain('KillMode=mixed\n');
    expect(unit).toContain(`Environment="PATH=${process.env.PATH}"\n`);
    const stopSec = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
    expect(stopSec).toBeGreaterThan(45);
    expect(unit).toContain(`systemctl --user enable --now ${serviceName(root)}`);
    if (hasSystemd) {
      const v = verifyUnit(unit, `${serviceName(root)}.service`);
      expect(v.code, v.output).toBe(0);
    }
  });

  it('pm2 --stdout: an ecosystem file for one forked daemon that gets the signal itself', () => {
    const root = repoWithGrace('45s');
    const r = runCli(root, ['service', 'pm2', '--stdout']);
    expect(r.code, r.stderr).toBe(0);
    const { apps } = loadEcosystem(r.stdout);
    expect(apps).toHaveLength(1);
    expect(apps[0]).toMatchObject({
      name: serviceName(root),
      script: CLI,
      args: 'daemon',
      interpreter: process.execPath,
      cwd: root,
      exec_mode: 'fork',
      instances: 1,
      treekill: false,
    });
    expect(apps[0]!.kill_timeout).toBeGreaterThan(45_000);
    expect(apps[0]!.env.PATH).toBe(process.env.PATH);
  });

  it('writes the files under .jidoka/service/ without --stdout', () => {
    const root = repoWithGrace('10s');
    const unitFile = join(root, '.jidoka/service', `${serviceName(root)}.service`);
    const r = runCli(root, ['service', 'systemd']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${unitFile}`);
    expect(r.stdout).toContain('systemctl --user daemon-reload');
    expect(readFileSync(unitFile, 'utf8')).toBe(runCli(root, ['service', 'systemd', '--stdout']).stdout);

    const ecoFile = join(root, '.jidoka/service/ecosystem.config.cjs');
    const p = runCli(root, ['service', 'pm2']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toContain(`wrote ${ecoFile}`);
    expect(p.stdout).toContain('pm2 start');
    expect(loadEcosystem(readFileSync(ecoFile, 'utf8')).apps[0]!.kill_timeout).toBe(25_000);
  });

  it('refuses an unknown kind (exit 2), and a repository the daemon could not run in', () => {
    const root = repoWithGrace('10s');
    const r = runCli(root, ['service', 'upstart']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown service kind "upstart"');
    expect(r.stderr).toContain('jidoka service systemd');
    expect(existsSync(join(root, '.jidoka/service'))).toBe(false);

    const bare = makeRepo();
    const b = runCli(bare, ['service', 'systemd', '--stdout']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('no jidoka.yaml');
    expect(b.stdout).toBe('');
  });

  it('quotes and escapes paths with spaces, % and $ so systemd reads them literally', () => {
    expect(systemdCommand(['/usr/bin/node', '/opt/jidoka/main.js', 'daemon'])).toBe(
      '/usr/bin/node /opt/jidoka/main.js daemon',
    );
    expect(systemdCommand(['/opt/my node/node', '/opt/100%/main.js'])).toBe(
      '"/opt/my node/node" /opt/100%%/main.js',
    );
    // Variables are expanded in arguments, not in the executable's path.
    expect(systemdCommand(['/opt/$x/node', '/opt/$HOME/main.js'])).toBe(
      '"/opt/$x/node" "/opt/$$HOME/main.js"',
    );
    expect(systemdCommand(['/usr/bin/node', '/opt/a"b\\c'])).toBe('/usr/bin/node "/opt/a\\"b\\\\c"');
    if (!hasSystemd) return;
    // A node binary whose path needs quoting: systemd must find it executable, which it does only if the path parses whole.
    const dir = join(mkdtempSync(join(tmpdir(), 'jidoka unit ')), 'odd %dir $x');
    mkdirSync(dir, { recursive: true });
    const node = join(dir, 'node');
    writeFileSync(node, '#!/bin/sh\n');
    chmodSync(node, 0o755);
    const unit = systemdUnit({
      root: dir,
      node,
      cli: join(dir, 'main.js'),
      config: defaultConfig(),
      path: '/usr/bin:/bin',
    });
    const v = verifyUnit(unit, `${serviceName(dir)}.service`);
    expect(v.code, v.output).toBe(0);
    expect(basename(dir)).toBe('odd %dir $x');
  });
});
