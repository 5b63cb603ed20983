import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../daemon/daemon-process.js';
import { setupLine } from '../support/line.js';
import { CLI, runCli } from '../support/repo.js';

let children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  children = [];
});

/** `jidoka daemon` with its stdout and stderr kept apart. */
function startDaemon(root: string) {
  const child = spawn(process.execPath, [CLI, 'daemon'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, JIDOKA_LOG_LEVEL: 'info' },
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out.stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    out.stderr += d;
  });
  const exited = new Promise<number | string>((r) => child.once('exit', (code, sig) => r(code ?? sig ?? -1)));
  return { child, pid: child.pid!, out, exited };
}

function statusJson(root: string) {
  const r = runCli(root, ['status', '--json']);
  expect(r.stdout, r.stderr).toMatch(/^\{/);
  return JSON.parse(r.stdout) as {
    daemon: {
      running: boolean;
      pid?: number;
      heartbeat?: { at: string; ageMs: number; state: string; busy: boolean; responding: boolean };
    };
    sandbox: { mode: string };
  };
}

const idleLine = () => setupLine({ script: {}, plan: undefined }).root;

describe('the daemon as a service', () => {
  it('logs its info lines to stdout (stderr stays empty), writes a heartbeat that status reads, and exits at once on SIGTERM', async () => {
    const root = idleLine();
    const d = startDaemon(root);
    await waitFor(
      () => d.out.stdout.includes('daemon: watching'),
      30_000,
      'the daemon to watch',
      () => JSON.stringify(d.out),
    );
    // Pino JSON lines at level info (30), on stdout.
    const first = JSON.parse(d.out.stdout.split('\n')[0]!);
    expect(first).toMatchObject({ level: 30, name: 'jidoka' });

    const s = statusJson(root);
    expect(s.daemon).toMatchObject({ running: true, pid: d.pid });
    expect(s.daemon.heartbeat).toMatchObject({ state: 'running', busy: false, responding: true });
    expect(s.daemon.heartbeat!.ageMs).toBeLessThan(15_000);
    expect(s.sandbox.mode).toBe('bwrap');
    const text = runCli(root, ['status']).stdout;
    expect(text).toMatch(
      new RegExp(`daemon: running \\(pid ${d.pid}, since .*; heartbeat \\d+s ago, idle\\)`),
    );
    expect(text).toContain('sandbox: bwrap (agent steps and checks run sandboxed)');

    const t0 = Date.now();
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(d.out.stdout).toContain('"msg":"daemon: stopped"');
    expect(d.out.stderr).toBe('');
    const beat = JSON.parse(readFileSync(join(root, '.jidoka', 'state', 'heartbeat.json'), 'utf8'));
    expect(beat).toMatchObject({ pid: d.pid, state: 'stopped' });
    expect(statusJson(root).daemon).toEqual({ running: false });
  }, 60_000);

  it('a live daemon whose heartbeat is late is shown as not responding', () => {
    const root = idleLine();
    const state = join(root, '.jidoka', 'state');
    mkdirSync(state, { recursive: true });
    // A live pid (this test's) holds the lock, and its last beat is a minute old.
    writeFileSync(
      join(root, '.jidoka', 'daemon.lock'),
      JSON.stringify({
        pid: process.pid,
        hostname: hostname(),
        startedAt: new Date().toISOString(),
        purpose: 'test',
      }),
    );
    const at = new Date(Date.now() - 60_000).toISOString();
    writeFileSync(
      join(state, 'heartbeat.json'),
      JSON.stringify({
        pid: process.pid,
        hostname: hostname(),
        startedAt: at,
        at,
        intervalMs: 5000,
        state: 'running',
        busy: true,
      }),
    );
    const s = statusJson(root);
    expect(s.daemon.heartbeat).toMatchObject({ state: 'running', busy: true, responding: false });
    expect(s.daemon.heartbeat!.ageMs).toBeGreaterThanOrEqual(60_000);
    expect(runCli(root, ['status']).stdout).toMatch(
      new RegExp(
        `daemon: NOT RESPONDING: pid ${process.pid} is alive but its last heartbeat was 6[0-9]s ago`,
      ),
    );
    // A heartbeat left by another pid (a previous daemon) is not this daemon's.
    writeFileSync(
      join(state, 'heartbeat.json'),
      JSON.stringify({
        pid: 1,
        hostname: hostname(),
        startedAt: at,
        at,
        intervalMs: 5000,
        state: 'stopped',
        busy: false,
      }),
    );
    expect(statusJson(root).daemon.heartbeat).toBeUndefined();
  });
});
