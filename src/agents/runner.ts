import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { JidokaError } from '../core/errors.js';
import { resolveExecutable } from '../doctor/which.js';
import { INFO_FD, type SandboxRequest, sandboxCommand } from '../sandbox/bwrap.js';
import { OutputCapture, type StreamName } from './output-capture.js';

export { buildEnv } from './env.js';

/**
 * The one subprocess runner: every agent and every check Jidoka starts goes
 * through `startProcess`. The child runs in its own process group so a
 * timeout, an abort or the end of the run can kill everything it started;
 * output is capped, streamed to the run record as it arrives, and its arrival
 * time is what the no-progress watchdog reads. With `sandbox` set the
 * command runs inside bubblewrap (src/sandbox/): read-only disk but for the
 * given paths, and a PID namespace, so killing the group (bwrap) ends every
 * process the step started, even those that left the group; the result
 * comes only once the namespace is torn down.
 */
export interface RunOptions {
  file: string;
  args: string[];
  /** Run `file` as a shell command line (checks: "npm test"). */
  shell?: boolean;
  cwd: string;
  /** Written to stdin, then stdin is closed. Without it stdin is empty. */
  input?: string;
  /** The COMPLETE environment (build it with buildEnv); nothing is inherited. */
  env: Record<string, string>;
  timeoutMs: number;
  /** SIGTERM → SIGKILL of the whole group after this (default 5000). */
  killGraceMs?: number;
  /** Cap on output bytes kept in memory and on disk; beyond it output is dropped (and counted). */
  maxOutputBytes: number;
  /** Stream stdout+stderr here as they arrive (created with parent dirs). */
  logFile?: string;
  /** External kill (watchdog, daemon shutdown): kills the group, result.aborted = true. */
  signal?: AbortSignal;
  /** Run inside bwrap, writing only these paths (created if missing). Unset: unsandboxed. */
  sandbox?: SandboxRequest;
}

export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  timedOut: boolean;
  aborted: boolean;
  abortReason?: string;
  /** All bytes the process wrote, including dropped ones. */
  outputBytes: number;
  truncated: boolean;
  /** Bounded: head, and the tail when output was dropped. */
  stdout: string;
  stderr: string;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  spawnError?: string;
  /** Set when the sandbox could not be set up (bwrap missing): nothing ran. */
  sandboxError?: string;
  /** True when the process ran inside the bwrap sandbox. */
  sandboxed: boolean;
  /** The real paths it could write, when sandboxed. */
  writable?: string[];
}

export interface RunHandle {
  result: Promise<RunResult>;
  pid: number | undefined;
  /** Epoch ms of the last output (the start time before any). */
  lastActivityAt(): number;
  /** Kill the whole group (SIGTERM, then SIGKILL after the grace); the result says aborted. */
  kill(reason: string): void;
}

const DEFAULT_KILL_GRACE_MS = 5000;
const STREAM_DRAIN_MS = 2000;

export function startProcess(opts: RunOptions): RunHandle {
  const startedAt = Date.now();
  let command = { file: opts.file, args: opts.args, shell: opts.shell ?? false };
  let writable: string[] | undefined;
  if (opts.sandbox) {
    // Inside bwrap a missing executable would be bwrap's own error; say it as for any other step.
    const exe = command.shell
      ? command.file
      : resolveExecutable(command.file, { cwd: opts.cwd, path: opts.env.PATH });
    if (exe === undefined) return notStarted({ spawnError: `spawn ${command.file} ENOENT` }, startedAt);
    command.file = exe;
    try {
      const boxed = sandboxCommand(opts.sandbox, { ...command, cwd: opts.cwd });
      command = { file: boxed.file, args: boxed.args, shell: false };
      writable = boxed.writable;
    } catch (err) {
      const sandboxError = sandboxProblem(err);
      return notStarted({ spawnError: sandboxError, sandboxError }, startedAt);
    }
  }
  let lastActivity = startedAt;
  const capture = new OutputCapture(opts.maxOutputBytes);
  const logFd = opts.logFile ? openLog(opts.logFile) : undefined;
  let truncationLogged = false;

  const sandboxed = writable !== undefined;
  const stdin = opts.input === undefined ? ('ignore' as const) : ('pipe' as const);
  const sub = execa(command.file, command.args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    shell: command.shell,
    detached: true,
    cleanup: false,
    reject: false,
    buffer: false,
    stripFinalNewline: false,
    // Sandboxed, a third pipe carries bwrap's --info-fd: its PID namespace, to wait for at the end.
    stdio: sandboxed ? [stdin, 'pipe', 'pipe', 'pipe'] : [stdin, 'pipe', 'pipe'],
    ...(opts.input === undefined ? {} : { input: opts.input }),
  });
  const pid = sub.pid;
  if (pid !== undefined) liveGroups.add(pid);
  const info = sandboxed ? readInfo(sub.stdio[INFO_FD] as Readable | undefined) : undefined;

  const onData = (stream: StreamName) => (chunk: Buffer) => {
    lastActivity = Date.now();
    const kept = capture.add(stream, chunk);
    if (logFd === undefined) return;
    if (kept.length) writeSync(logFd, kept);
    if (capture.truncated && !truncationLogged) {
      truncationLogged = true;
      writeSync(
        logFd,
        `\n[jidoka: output cap of ${opts.maxOutputBytes} bytes reached; further output dropped]\n`,
      );
    }
  };
  sub.stdout?.on('data', onData('stdout'));
  sub.stderr?.on('data', onData('stderr'));
  // The process can be reported finished while its last output is still in the pipe; wait for both
  // streams to close (bounded: the group is killed on exit, so nothing can hold them open for long).
  const drained = Promise.all(
    [sub.stdout, sub.stderr].map((s) =>
      s ? new Promise<void>((r) => s.once('close', () => r())) : undefined,
    ),
  );
  // A child that keeps a pipe open would keep execa waiting; once the leader
  // is gone, its group has no business running.
  sub.on('exit', () => {
    if (pid !== undefined) killGroup(pid, 'SIGKILL');
  });

  let timedOut = false;
  let aborted = false;
  let abortReason: string | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const terminate = () => {
    if (pid === undefined || graceTimer) return;
    killGroup(pid, 'SIGTERM');
    graceTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
  };
  const kill = (reason: string) => {
    if (timedOut || aborted) return;
    aborted = true;
    abortReason = reason;
    terminate();
  };
  const timeoutTimer = setTimeout(() => {
    if (aborted) return;
    timedOut = true;
    terminate();
  }, opts.timeoutMs);
  const onAbort = () => kill(reasonText(opts.signal?.reason));
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  const result = (async (): Promise<RunResult> => {
    const r = await sub;
    await Promise.race([drained, new Promise((r) => setTimeout(r, STREAM_DRAIN_MS).unref())]);
    clearTimeout(timeoutTimer);
    clearTimeout(graceTimer);
    opts.signal?.removeEventListener('abort', onAbort);
    if (pid !== undefined) {
      await reapGroup(pid);
      liveGroups.delete(pid);
    }
    if (info) await namespaceGone(await info);
    if (logFd !== undefined) {
      const epilogue = capture.logEpilogue();
      if (epilogue) writeSync(logFd, epilogue);
      closeSync(logFd);
    }
    const started = pid !== undefined && r.exitCode !== undefined;
    const spawnError =
      !started && !r.signal ? (r.originalMessage ?? r.shortMessage ?? 'could not start') : undefined;
    return {
      exitCode: r.exitCode ?? null,
      signal: r.signal ?? null,
      durationMs: Date.now() - startedAt,
      timedOut,
      aborted,
      ...(abortReason !== undefined ? { abortReason } : {}),
      outputBytes: capture.totalBytes,
      truncated: capture.truncated,
      stdout: capture.text('stdout'),
      stderr: capture.text('stderr'),
      ...(spawnError ? { spawnError } : {}),
      sandboxed: writable !== undefined,
      ...(writable ? { writable } : {}),
    };
  })();

  return { result, pid, lastActivityAt: () => lastActivity, kill };
}

export function runProcess(opts: RunOptions): Promise<RunResult> {
  return startProcess(opts).result;
}

/** A handle whose process never started: no such executable, or its sandbox could not be set up. */
function notStarted(why: { spawnError: string; sandboxError?: string }, startedAt: number): RunHandle {
  const result: RunResult = {
    exitCode: null,
    signal: null,
    durationMs: Date.now() - startedAt,
    timedOut: false,
    aborted: false,
    outputBytes: 0,
    truncated: false,
    stdout: '',
    stderr: '',
    ...why,
    sandboxed: false,
  };
  return { result: Promise.resolve(result), pid: undefined, lastActivityAt: () => startedAt, kill: () => {} };
}

function sandboxProblem(err: unknown): string {
  if (err instanceof JidokaError) return err.hint ? `${err.message}; ${err.hint}` : err.message;
  return `the sandbox could not be set up: ${(err as Error).message}`;
}

function openLog(file: string): number {
  mkdirSync(dirname(file), { recursive: true });
  return openSync(file, 'a');
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  if (typeof reason === 'string') return reason;
  return 'aborted';
}

function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is empty
  }
}

/**
 * Kill whatever is left of the group and wait until it is empty, so a caller
 * never sees a result while a process of the run is still alive. Unsandboxed,
 * children that escaped the group (setsid) are out of reach; sandboxed, the
 * group is bwrap's and its PID namespace took them with it.
 */
async function reapGroup(pgid: number): Promise<void> {
  for (let i = 0; i < 100 && killGroup(pgid, 'SIGKILL'); i++) {
    // Killed orphans stay zombies until init reaps them; they are dead already.
    if (onlyZombiesLeft(pgid)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Linux: true when every process still in the group is a zombie. Elsewhere: false (keep waiting). */
function onlyZombiesLeft(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return false;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …; comm may contain spaces, so parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return false;
  }
  return true;
}

/** What bwrap's --info-fd says: the pid (seen from here) of the namespace's init, and the namespace. */
interface BwrapInfo {
  childPid: number;
  pidNamespace: number;
}

/** The first JSON object bwrap writes to its info pipe; undefined if the pipe closes without one (or after 2 s). */
function readInfo(stream: Readable | undefined): Promise<BwrapInfo | undefined> {
  if (!stream) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let text = '';
    const done = (v: BwrapInfo | undefined) => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      stream.resume(); // anything later on the pipe is drained, never read
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), STREAM_DRAIN_MS);
    timer.unref();
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('}');
      if (end < 0) return;
      try {
        const j = JSON.parse(text.slice(0, end + 1)) as Record<string, unknown>;
        const childPid = Number(j['child-pid']);
        const pidNamespace = Number(j['pid-namespace']);
        done(childPid > 0 && pidNamespace > 0 ? { childPid, pidNamespace } : undefined);
      } catch {
        done(undefined);
      }
    });
    stream.once('close', () => done(undefined));
  });
}

/**
 * bwrap returns as soon as the step's command exits; the kernel then kills
 * every process in the step's PID namespace, and the namespace's init exits
 * only once they are all gone. Waiting for that init (while it still lives
 * in that namespace, so a reused pid is not mistaken for it) means a step's
 * return is the end of every process it started. Bounded: 5 s.
 */
async function namespaceGone(info: BwrapInfo | undefined): Promise<void> {
  if (!info) return;
  const ns = `pid:[${info.pidNamespace}]`;
  for (let i = 0; i < 500 && initAlive(info.childPid, ns); i++) await new Promise((r) => setTimeout(r, 10));
}

function initAlive(pid: number, ns: string): boolean {
  try {
    if (readlinkSync(`/proc/${pid}/ns/pid`) !== ns) return false;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false; // gone, or a zombie (its namespace links are gone with it)
  }
}

/** Groups still running, killed if Jidoka itself exits (detached children are not killed by the OS). */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
});
