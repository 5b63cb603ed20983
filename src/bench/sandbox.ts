import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEnv, runProcess } from '../agents/runner.js';
import { bwrapStatus } from '../sandbox/bwrap.js';

/**
 * `npm run bench` (last part): what the sandbox adds to one step. `true` is
 * started N times through the runner directly and N times inside bwrap (the
 * mounts a maker step gets: a worktree in a git repository, a step dir), and
 * the difference per step is the sandbox's cost. Goal: under 30 ms per step.
 */
const N = Number(process.env.BENCH_SANDBOX_N ?? 50);
const GOAL_MS = 30;

async function timeSteps(sandboxed: boolean, dir: string): Promise<number> {
  const worktree = join(dir, 'wt');
  const stepDir = join(dir, 'step');
  mkdirSync(worktree, { recursive: true });
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const r = await runProcess({
      file: 'true',
      args: [],
      cwd: worktree,
      env: buildEnv({}, { tmpDir: join(stepDir, 'tmp') }),
      timeoutMs: 10_000,
      maxOutputBytes: 1024,
      ...(sandboxed ? { sandbox: { writable: [worktree, stepDir] } } : {}),
    });
    if (r.exitCode !== 0) throw new Error(`true exited ${r.exitCode}: ${r.stderr || r.spawnError}`);
  }
  return (performance.now() - started) / N;
}

async function main(): Promise<void> {
  const status = bwrapStatus();
  if (!status.ok) {
    console.log(`sandbox bench skipped: ${status.problem}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'jidoka-bench-sandbox-'));
  try {
    await timeSteps(false, dir); // warm up both paths once
    await timeSteps(true, dir);
    const direct = await timeSteps(false, dir);
    const boxed = await timeSteps(true, dir);
    const cost = boxed - direct;
    console.log(`sandbox: ${N} steps of \`true\``);
    console.log(`  direct        ${direct.toFixed(1)} ms/step`);
    console.log(`  inside bwrap  ${boxed.toFixed(1)} ms/step`);
    console.log(
      `  sandbox cost  ${cost.toFixed(1)} ms/step (goal < ${GOAL_MS} ms) ${cost < GOAL_MS ? 'ok' : 'OVER'}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
