import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEnv, runProcess } from '../agents/runner.js';
import { runGitSync } from '../git/run.js';
import { bwrapStatus, sandboxCommand } from '../sandbox/bwrap.js';

/**
 * `npm run bench` (last part): what the sandbox adds to one step. `true` is
 * started N times through the runner directly and N times inside bwrap (the
 * mounts a maker step gets: a worktree in a git repository, a step dir), and
 * the difference per step is the sandbox's cost. Goal: under 30 ms per step.
 * Both are measured in the same run, alternating, so a loaded machine weighs
 * on both alike; the ratio is printed with them. The sandboxed step includes
 * building its mounts and waiting for its PID namespace to be torn down.
 */
const N = Number(process.env.BENCH_SANDBOX_N ?? 50);
const GOAL_MS = 30;

/** A repository with a plan's linked worktree and a step dir where Jidoka puts them: the paths a maker step gets. */
function layout(dir: string): { worktree: string; stepDir: string } {
  const repo = join(dir, 'repo');
  const worktree = join(repo, '.jidoka', 'worktrees', 'bench');
  const stepDir = join(repo, '.jidoka', 'runs', 'bench-run', 'c1-a1-maker');
  if (!existsSync(worktree)) {
    mkdirSync(repo, { recursive: true });
    runGitSync(repo, ['init', '-q']);
    runGitSync(repo, [
      '-c',
      'user.name=b',
      '-c',
      'user.email=b@b',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'base',
    ]);
    runGitSync(repo, ['worktree', 'add', '-q', '--detach', worktree]);
  }
  return { worktree, stepDir };
}

async function timeSteps(sandboxed: boolean, dir: string): Promise<number> {
  const { worktree, stepDir } = layout(dir);
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

/** What building a step's sandbox costs in Jidoka itself (paths, mounts, argv), without starting anything. */
function timeSetup(dir: string): number {
  const { worktree, stepDir } = layout(dir);
  const started = performance.now();
  for (let i = 0; i < N; i++)
    sandboxCommand(
      { writable: [worktree, stepDir] },
      { file: 'true', args: [], shell: false, cwd: worktree },
    );
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
    let direct = 0;
    let boxed = 0;
    for (let round = 0; round < 2; round++) {
      direct += (await timeSteps(false, dir)) / 2;
      boxed += (await timeSteps(true, dir)) / 2;
    }
    const cost = boxed - direct;
    const setup = timeSetup(dir);
    console.log(`sandbox: ${N} steps of \`true\``);
    console.log(`  direct        ${direct.toFixed(1)} ms/step`);
    console.log(`  inside bwrap  ${boxed.toFixed(1)} ms/step`);
    console.log(
      `  sandbox cost  ${cost.toFixed(1)} ms/step (goal < ${GOAL_MS} ms) ${cost < GOAL_MS ? 'ok' : 'OVER'}; ratio ${(boxed / direct).toFixed(2)}x`,
    );
    console.log(`  of which the mounts and bwrap argv: ${setup.toFixed(2)} ms/step`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
