import { mkdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runAgent, spendOf } from '../agents/run-agent.js';
import { agentTimeoutMs } from '../config/agents.js';
import { type Config, ROLES, type Role } from '../config/schema.js';
import { formatDuration } from '../core/duration.js';
import { appendLedger } from '../core/ledger.js';
import { jidokaPaths } from '../core/paths.js';
import { gitAt, hasCommits } from '../git/repo.js';
import { addDetachedWorktree, removeWorktree } from '../git/worktree.js';
import { newRunId } from '../loops/run-record.js';
import type { DoctorCheck } from './report.js';

/** A probe is one short answer: it never needs a step's full timeout. */
const PROBE_TIMEOUT_MS = 120_000;

const PROBE_PROMPT = [
  '# Jidoka: a health check by `jidoka doctor --probe`',
  '',
  'Do not read, create or change any file and run no command. Reply with the single word OK and finish.',
].join('\n');

/**
 * `jidoka doctor --probe` (opt-in: it spends a little): every configured
 * role's CLI runs once, with a trivial prompt, the way a real step runs it:
 * through the one runner, sandboxed as that role, in a fresh scratch
 * worktree of HEAD (a new, untrusted folder, like every plan's worktree).
 * Each role gets a check `probe.<role>` saying whether its CLI could work:
 * the exit, whether its output parsed, and the time it took. The step
 * folders stay in `.jidoka/runs/doctor-…/` for a failure's transcript, and
 * what the probes spent goes to the ledger like any agent step.
 */
export async function probeAgents(root: string, config: Config): Promise<DoctorCheck[]> {
  const runDir = join(jidokaPaths(root).runs, newRunId('doctor'));
  const roles = ROLES.filter((r) => config.agents[r]);
  const out: DoctorCheck[] = [];
  // One at a time: the probes are real CLI runs, and this machine may be running the line.
  for (const role of roles) out.push(await probeRole(root, config, role, runDir));
  return out;
}

async function probeRole(root: string, config: Config, role: Role, runDir: string): Promise<DoctorCheck> {
  const agent = config.agents[role]!;
  const id = `probe.${role}`;
  const stepDir = join(runDir, role);
  const scratch = await scratchFolder(root, `${runDir.split('/').pop()}-${role}`);
  let result: Awaited<ReturnType<typeof runAgent>>;
  try {
    result = await runAgent({
      role,
      agent,
      prompt: PROBE_PROMPT,
      cwd: scratch.dir,
      stepDir,
      timeoutMs: Math.min(agentTimeoutMs(config, agent), PROBE_TIMEOUT_MS),
      maxOutputBytes: config.limits.maxOutputBytes,
    });
  } finally {
    await scratch.remove();
  }
  const spent = spendOf(result);
  appendLedger(root, 'doctor.probe', {
    role,
    stepDir: relative(root, stepDir),
    outcome: result.failure ? 'failed' : 'finished',
    ...spent,
  });
  const { run, parsed } = result;
  const details = {
    role,
    adapter: agent.adapter,
    exitCode: run.exitCode,
    durationMs: run.durationMs,
    timedOut: run.timedOut,
    parsed: !parsed.isError,
    subtype: parsed.subtype ?? null,
    ...spent,
    sandboxed: result.sandboxed,
    stepDir: relative(root, stepDir),
  };
  const took = formatDuration(run.durationMs);
  if (result.failure)
    return {
      id,
      status: 'fail',
      message: `${role}: ${agent.adapter} could not work in a fresh worktree (${took}): ${result.failure}`,
      hint: `read ${relative(root, join(stepDir, 'transcript.log'))}; fix the CLI's setup or agents.${role} in jidoka.yaml, then probe again`,
      details,
    };
  const spend = spent.tokens || spent.costUsd ? `, ${spent.tokens} tokens, $${spent.costUsd.toFixed(4)}` : '';
  return {
    id,
    status: 'ok',
    message: `${role}: ${agent.adapter} answered in a fresh worktree in ${took} (exit ${run.exitCode}, output parsed${spend})`,
    details,
  };
}

/** A scratch worktree of HEAD, removed after the probe; an empty folder in a repository with no commit yet. */
async function scratchFolder(root: string, name: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = join(jidokaPaths(root).tmp, name);
  if (!(await hasCommits(gitAt(root)))) {
    mkdirSync(dir, { recursive: true });
    return { dir, remove: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  await addDetachedWorktree(root, dir, 'HEAD');
  return {
    dir,
    remove: async () => {
      await removeWorktree(root, dir);
    },
  };
}
