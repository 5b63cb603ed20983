import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../support/repo.js';

/**
 * `jidoka daemon` as a real process in a test repository: its JSON log lines
 * (stdout) collected as they arrive, its exit awaited, conditions polled.
 */
export interface DaemonProcess {
  child: ChildProcess;
  pid: number;
  /** Every log message so far (pino's `msg`), in order. */
  messages(): string[];
  /** Everything printed so far: the log (stdout), then stderr. */
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  /** Wait until a log message matches; returns it. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<string>;
}

export function spawnDaemon(root: string, env: Record<string, string> = {}): DaemonProcess {
  return spawnCli(root, ['daemon'], env);
}

/** Any long-running jidoka command the same way (`jidoka worker` too); `detached` gives it its own process group. */
export function spawnCli(
  root: string,
  args: string[],
  env: Record<string, string> = {},
  opts: { detached?: boolean } = {},
): DaemonProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, JIDOKA_LOG_LEVEL: 'info', ...env },
    detached: opts.detached ?? false,
  });
  let out = '';
  let errors = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    errors += d;
  });
  const printed = () => (errors ? `${out}\n${errors}` : out);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const messages = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return String((JSON.parse(l) as { msg?: unknown }).msg ?? '');
        } catch {
          return '';
        }
      });
  const proc: DaemonProcess = {
    child,
    pid: child.pid!,
    messages,
    stderr: printed,
    exited,
    waitForLog: async (re, timeoutMs = 60_000) => {
      let found: string | undefined;
      await waitFor(
        () => {
          found = messages().find((m) => re.test(m));
          return found !== undefined || child.exitCode !== null;
        },
        timeoutMs,
        `a daemon log line matching ${re}`,
        printed,
      );
      if (found === undefined) throw new Error(`the daemon exited before logging ${re}:\n${printed()}`);
      return found;
    },
  };
  return proc;
}

/** Poll `cond` every 100 ms until it holds; fail with what was awaited (and `context`) after `timeoutMs`. */
export async function waitFor(
  cond: () => boolean,
  timeoutMs: number,
  what: string,
  context: () => string = () => '',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}`);
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The fake agent's call counts per role (kept next to its script). */
export function agentCalls(scriptFile: string): Record<string, number> {
  const f = `${scriptFile}.calls.json`;
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Record<string, number>) : {};
}

export function planStatus(root: string, id: string): string | undefined {
  const f = join(root, 'plans', `${id}.md`);
  if (!existsSync(f)) return undefined;
  return /^status:\s*(\S+)/m.exec(readFileSync(f, 'utf8'))?.[1];
}

export function planState(root: string, id: string): Record<string, unknown> | undefined {
  const f = join(root, '.jidoka/state/plans', `${id}.json`);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>) : undefined;
}

/** A one-chunk plan writing src/<name>.js; `status` as given. */
export function oneChunkPlan(id: string, status: string, name = 'a'): string {
  return `---
id: ${id}
title: Add module ${name}
status: ${status}
risk: low
skill: tdd
scope:
  - src/**
goal:
  statement: src/${name}.js exists and exports its name
  checks:
    - node -e "require('./src/${name}.js')"
created: 2026-11-21
---
## Context

A one-chunk plan for the daemon tests.

## Chunk 1: Module ${name}

Create src/${name}.js exporting "${name}".
`;
}

/**
 * Stop a daemon still running at the end of a test, so no process outlives
 * the suite: two SIGTERMs (the second kills the running agent at once), then
 * SIGKILL if it is still there after 10 s.
 */
export async function killDaemon(d: DaemonProcess | undefined): Promise<void> {
  if (!d || d.child.exitCode !== null || d.child.signalCode !== null) return;
  d.child.kill('SIGTERM');
  d.child.kill('SIGTERM');
  const timer = setTimeout(() => d.child.kill('SIGKILL'), 10_000);
  await d.exited;
  clearTimeout(timer);
}

export { alive } from '../support/process.js';
