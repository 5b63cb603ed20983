import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConfig, Role } from '../config/schema.js';
import { writeFileAtomic, writeJsonAtomic } from '../core/atomic-write.js';
import { formatDuration } from '../core/duration.js';
import { privateDirs, roleWritable } from '../sandbox/writable.js';
import { adapters } from './adapters/index.js';
import { tail } from './parse-util.js';
import { buildEnv, type RunHandle, type RunResult, startProcess } from './runner.js';
import type { Adapter, AdapterInput, ParsedOutput } from './types.js';

export type { AgentUsage, ParsedOutput } from './types.js';

export interface AgentRequest {
  role: Role;
  agent: AgentConfig;
  prompt: string;
  /** Worktree (repo root for auditor and docs). */
  cwd: string;
  /** The run record dir for this step: prompt.md, report.json, transcript.log, result.json go here. */
  stepDir: string;
  plan?: string;
  chunk?: number;
  attempt?: number;
  /** e.g. JIDOKA_PLANS_DIR for the auditor. */
  extraEnv?: Record<string, string>;
  timeoutMs: number;
  maxOutputBytes?: number;
  signal?: AbortSignal;
  /** Called once the process started; the watchdog reads handle.lastActivityAt(). */
  onStart?: (handle: RunHandle) => void;
  /** SIGTERM → SIGKILL grace (default 5000). */
  killGraceMs?: number;
}

export interface AgentResult {
  run: RunResult;
  parsed: ParsedOutput;
  promptFile: string;
  reportFile: string;
  /** Set when this counts as an agent failure: non-zero exit, timeout, abort, is_error, API error, unparseable output. */
  failure?: string;
  /** True when the step ran inside the bwrap sandbox; false under `sandbox.mode: none` (recorded in result.json). */
  sandboxed: boolean;
}

/** Roles that judge and must not edit: their CLI runs read-only where it can. */
export const READ_ONLY_ROLES: readonly Role[] = ['checker', 'goal', 'auditor', 'diagnose'];

export const STEP_FILES = {
  prompt: 'prompt.md',
  report: 'report.json',
  transcript: 'transcript.log',
  result: 'result.json',
} as const;

const DEFAULT_MAX_OUTPUT = 10 * 1024 * 1024;

/**
 * Run one agent step: write the prompt into the step dir, start the role's
 * CLI through the runner, parse its output, and record result.json. Never
 * throws for anything the agent did; `failure` says in words what counts
 * against the attempt. The verdict is not read here: read it from
 * `reportFile` with verdict.ts.
 *
 * Unless the role's `sandbox.mode` is `none`, the step runs inside bwrap,
 * writing only what src/sandbox/writable.ts gives its role, with a private
 * HOME and TMPDIR in the step dir (a role's `env` HOME wins).
 */
export async function runAgent(req: AgentRequest): Promise<AgentResult> {
  mkdirSync(req.stepDir, { recursive: true });
  const promptFile = join(req.stepDir, STEP_FILES.prompt);
  const reportFile = join(req.stepDir, STEP_FILES.report);
  writeFileAtomic(promptFile, req.prompt);
  rmSync(reportFile, { force: true }); // a stale report must never pass for this run's
  const sandboxed = (req.agent.sandbox?.mode ?? 'bwrap') === 'bwrap';
  const { home, tmp: tmpDir } = privateDirs(req.stepDir);
  mkdirSync(tmpDir, { recursive: true });
  if (sandboxed) mkdirSync(home, { recursive: true });

  const adapter = adapters[req.agent.adapter];
  const plansDir = req.extraEnv?.JIDOKA_PLANS_DIR;
  const input: AdapterInput = {
    role: req.role,
    agent: req.agent,
    prompt: req.prompt,
    cwd: req.cwd,
    stepDir: req.stepDir,
    promptFile,
    reportFile,
    readOnly: READ_ONLY_ROLES.includes(req.role),
    writableDirs: plansDir ? [req.stepDir, plansDir] : [req.stepDir],
    sandboxed,
  };
  const inv = adapter.invocation(input);
  const env = buildEnv(
    {
      ...(sandboxed ? { HOME: home } : {}),
      ...passedEnv(adapter, process.env),
      ...inv.env,
      ...req.agent.env,
      ...jidokaEnv(req, promptFile, reportFile),
      ...req.extraEnv,
    },
    { tmpDir },
  );

  const handle = startProcess({
    file: inv.file,
    args: inv.args,
    cwd: req.cwd,
    input: inv.input ?? req.prompt,
    env,
    timeoutMs: req.timeoutMs,
    ...(req.killGraceMs !== undefined ? { killGraceMs: req.killGraceMs } : {}),
    maxOutputBytes: req.maxOutputBytes ?? DEFAULT_MAX_OUTPUT,
    logFile: join(req.stepDir, STEP_FILES.transcript),
    ...(req.signal ? { signal: req.signal } : {}),
    ...(sandboxed
      ? {
          sandbox: {
            writable: roleWritable(
              { role: req.role, cwd: req.cwd, stepDir: req.stepDir, ...(plansDir ? { plansDir } : {}) },
              req.agent.sandbox?.writable,
            ),
          },
        }
      : {}),
  });
  req.onStart?.(handle);
  const run = await handle.result;
  rmSync(tmpDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });

  let parsed: ParsedOutput;
  try {
    parsed = adapter.parse({ stdout: run.stdout, stderr: run.stderr, exitCode: run.exitCode }, input);
  } catch (err) {
    parsed = {
      text: `could not read ${adapter.name} output: ${(err as Error).message}`,
      isError: true,
      subtype: 'unparseable',
    };
  }
  const failure = describeFailure(req, inv.file, run, parsed);
  writeJsonAtomic(join(req.stepDir, STEP_FILES.result), {
    role: req.role,
    adapter: adapter.name,
    model: req.agent.model ?? null,
    command: [inv.file, ...inv.args].map((a) => (a.length > 200 ? `${a.slice(0, 200)}…` : a)),
    cwd: req.cwd,
    exitCode: run.exitCode,
    signal: run.signal,
    durationMs: run.durationMs,
    timedOut: run.timedOut,
    aborted: run.aborted,
    abortReason: run.abortReason ?? null,
    outputBytes: run.outputBytes,
    truncated: run.truncated,
    parsed,
    failure: failure ?? null,
    sandboxed: run.sandboxed,
    writable: run.writable ?? null,
  });
  return { run, parsed, promptFile, reportFile, ...(failure ? { failure } : {}), sandboxed: run.sandboxed };
}

/** What an agent step cost, in the shape the budgets, the run record and the ledger use (0 when the CLI said nothing). */
export function spendOf(r: AgentResult): { costUsd: number; tokens: number } {
  return { costUsd: r.parsed.costUsd ?? 0, tokens: r.parsed.usage?.totalTokens ?? 0 };
}

/** The JIDOKA_* contract of DESIGN.md, given to every adapter (harmless to those that ignore it). */
function jidokaEnv(req: AgentRequest, promptFile: string, reportFile: string): Record<string, string> {
  return {
    JIDOKA_ROLE: req.role,
    JIDOKA_PLAN: req.plan ?? '',
    JIDOKA_CHUNK: req.chunk === undefined ? '' : String(req.chunk),
    JIDOKA_ATTEMPT: req.attempt === undefined ? '' : String(req.attempt),
    JIDOKA_WORKTREE: req.cwd,
    JIDOKA_PROMPT_FILE: promptFile,
    JIDOKA_REPORT_FILE: reportFile,
  };
}

/** The inherited variables an adapter's CLI needs (its own credentials), by name or `PREFIX_*`. */
export function passedEnv(adapter: Adapter, from: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(from)) {
    if (v === undefined) continue;
    const wanted = adapter.passEnv.some((p) => (p.endsWith('*') ? k.startsWith(p.slice(0, -1)) : k === p));
    if (wanted) out[k] = v;
  }
  return out;
}

function describeFailure(
  req: AgentRequest,
  file: string,
  run: RunResult,
  parsed: ParsedOutput,
): string | undefined {
  const who = `${req.role} agent (${req.agent.adapter})`;
  if (run.sandboxError) return `${who} did not start: ${run.sandboxError}`;
  if (run.spawnError)
    return `${who} could not start \`${file}\`: ${run.spawnError}. Is it installed and on PATH? Set agents.${req.role}.bin to its path.`;
  if (run.timedOut) return `${who} timed out after ${formatDuration(req.timeoutMs)} and was killed`;
  if (run.aborted) return `${who} was stopped: ${run.abortReason ?? 'aborted'}`;
  const detail = parsed.isError ? parsed.text : tail(run.stderr || parsed.text, 500);
  if (run.signal) return `${who} was killed by ${run.signal}${detail ? `: ${detail}` : ''}`;
  if (run.exitCode !== 0) return `${who} exited with code ${run.exitCode}${detail ? `: ${detail}` : ''}`;
  if (parsed.isError)
    return `${who} reported an error (${parsed.subtype ?? 'error'}): ${tail(parsed.text, 500)}`;
  return undefined;
}
