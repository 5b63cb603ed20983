import { join } from 'node:path';
import { buildEnv, runProcess } from '../agents/runner.js';
import { parseTestOutput } from '../andon/test-output.js';
import type { CheckConfig, SandboxMode } from '../config/schema.js';
import { clipEnd } from '../core/text.js';
import type { CheckResult } from '../core/types.js';
import { checkWritable } from '../sandbox/writable.js';
import { inCheckSlot } from './check-slots.js';

/**
 * Jidoka runs the checks itself, in the worktree, through the one runner: the
 * configured checks after every maker step, plus the plan's goal checks once
 * a human approved them. An agent's claim that "tests pass" never counts.
 * They run code an agent may have written, so they run in the maker's
 * sandbox: the worktree and their temp dir writable, nothing else, a PID
 * namespace (`sandbox` defaults to bwrap; pass `config.sandbox`).
 */
export interface CheckSpec {
  name: string;
  command: string;
  timeoutMs: number;
  /** A goal check of the plan (its test count is kept apart from the chunk checks'). */
  goal?: true;
}

export function checkSpecs(configured: CheckConfig[], defaultTimeoutMs: number): CheckSpec[] {
  return configured.map((c) =>
    typeof c === 'string'
      ? { name: c, command: c, timeoutMs: defaultTimeoutMs }
      : { name: c.name ?? c.run, command: c.run, timeoutMs: c.timeout ?? defaultTimeoutMs },
  );
}

/** The output kept on the result: the tail, where test runners print their summary. */
const KEEP_BYTES = 64 * 1024;

export async function runChecks(opts: {
  cwd: string;
  specs: CheckSpec[];
  stepDir: string;
  maxOutputBytes: number;
  signal?: AbortSignal;
  sandbox?: { mode: SandboxMode; writable: string[] };
}): Promise<CheckResult[]> {
  const sandboxed = (opts.sandbox?.mode ?? 'bwrap') === 'bwrap';
  const results: CheckResult[] = [];
  for (const [i, spec] of opts.specs.entries()) {
    const tmpDir = join(opts.stepDir, `tmp-${i + 1}`);
    const run = await inCheckSlot(
      () =>
        runProcess({
          file: spec.command,
          args: [],
          shell: true,
          cwd: opts.cwd,
          env: buildEnv({ CI: 'true' }, { tmpDir }),
          timeoutMs: spec.timeoutMs,
          maxOutputBytes: opts.maxOutputBytes,
          logFile: join(opts.stepDir, `check-${i + 1}.log`),
          ...(opts.signal ? { signal: opts.signal } : {}),
          ...(sandboxed
            ? { sandbox: { writable: checkWritable(opts.cwd, tmpDir, opts.sandbox?.writable) } }
            : {}),
        }),
      opts.signal,
    );
    const output = clipEnd(`${run.stdout}${run.stderr ? `\n${run.stderr}` : ''}`, KEEP_BYTES);
    results.push({
      name: spec.name,
      command: spec.command,
      exitCode: run.exitCode,
      signal: run.signal,
      timedOut: run.timedOut,
      durationMs: run.durationMs,
      output: run.sandboxError ?? output,
      tests: parseTestOutput(output),
      passed: run.exitCode === 0 && !run.timedOut && !run.aborted,
      ...(spec.goal ? { goal: true as const } : {}),
      sandboxed: run.sandboxed,
    });
    if (run.aborted) break;
  }
  return results;
}

/** A short, bounded text of the failing checks, for prompts and incidents. */
export function failingOutput(checks: CheckResult[], maxBytes: number): string {
  const failed = checks.filter((c) => !c.passed);
  if (!failed.length) return '';
  const per = Math.max(512, Math.floor(maxBytes / failed.length));
  return failed
    .map(
      (c) =>
        `$ ${c.command}\n(exit ${c.exitCode ?? c.signal}${c.timedOut ? ', timed out' : ''})\n${clipEnd(c.output.trim(), per)}`,
    )
    .join('\n\n');
}
