import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAgent } from '../../src/agents/run-agent.js';
import { readCheckerVerdict, readGoalVerdict } from '../../src/agents/verdict.js';
import type { AgentConfig, Role } from '../../src/config/schema.js';
import { alive, spawnedPid } from '../support/process.js';

const FAKE = resolve('tests/support/fake-agent.mjs');

function setup(script: Record<string, unknown[][]>) {
  const dir = mkdtempSync(join(tmpdir(), 'jidoka-agent-'));
  const worktree = join(dir, 'wt');
  // The script in a folder of its own: its call counter is the one thing the agent writes outside the sandbox's paths.
  const scriptDir = join(dir, 'agent');
  mkdirSync(scriptDir);
  const scriptFile = join(scriptDir, 'script.json');
  writeFileSync(scriptFile, JSON.stringify(script));
  const agent: AgentConfig = {
    adapter: 'command',
    command: [process.execPath, FAKE, '--script', scriptFile],
    args: [],
    env: {},
    sandbox: { mode: 'bwrap', writable: [scriptDir] },
  };
  return { dir, worktree, agent, stepDir: join(dir, 'runs', 'step-1') };
}

async function run(
  s: ReturnType<typeof setup>,
  role: Role,
  extra: Partial<Parameters<typeof runAgent>[0]> = {},
) {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(s.worktree, { recursive: true });
  return runAgent({
    role,
    agent: s.agent,
    prompt: `PROMPT for ${role}`,
    cwd: s.worktree,
    stepDir: s.stepDir,
    plan: 'add-cache',
    chunk: 2,
    attempt: 1,
    timeoutMs: 10_000,
    ...extra,
  });
}

describe('runAgent with the command adapter', () => {
  it('passes the contract: prompt on stdin and in a file, JIDOKA_* env, cwd, placeholders', async () => {
    const s = setup({
      maker: [
        [
          {
            sh: 'env | grep ^JIDOKA_ | sort > env.txt; pwd > cwd.txt; cat "$JIDOKA_PROMPT_FILE" > prompt-copy.txt',
          },
          { write: 'src/a.ts', content: 'export const a = 1;\n' },
          { stdout: 'made it' },
        ],
      ],
    });
    s.agent.command = [...(s.agent.command ?? []), '--report', '{report_file}'];
    const r = await run(s, 'maker');
    expect(r.failure).toBeUndefined();
    expect(r.run.exitCode).toBe(0);
    expect(r.parsed.text).toBe('made it');
    expect(readFileSync(join(s.worktree, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\n');
    expect(readFileSync(join(s.worktree, 'cwd.txt'), 'utf8').trim()).toBe(s.worktree);
    expect(readFileSync(join(s.worktree, 'prompt-copy.txt'), 'utf8')).toBe('PROMPT for maker');
    const env = readFileSync(join(s.worktree, 'env.txt'), 'utf8');
    expect(env).toContain('JIDOKA_ROLE=maker');
    expect(env).toContain('JIDOKA_PLAN=add-cache');
    expect(env).toContain('JIDOKA_CHUNK=2');
    expect(env).toContain('JIDOKA_ATTEMPT=1');
    expect(env).toContain(`JIDOKA_WORKTREE=${s.worktree}`);
    expect(env).toContain(`JIDOKA_PROMPT_FILE=${join(s.stepDir, 'prompt.md')}`);
    expect(env).toContain(`JIDOKA_REPORT_FILE=${join(s.stepDir, 'report.json')}`);
    expect(readFileSync(join(s.stepDir, 'transcript.log'), 'utf8')).toContain('made it');
    const result = JSON.parse(readFileSync(join(s.stepDir, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ role: 'maker', adapter: 'command', exitCode: 0, failure: null });
    expect(result.command).toContain(join(s.stepDir, 'report.json'));
  });

  it('a checker verdict comes from the report file only', async () => {
    const s = setup({
      checker: [
        [
          { stdout: '{"decision":"approve","reasons":[]}' },
          { report: { decision: 'reject', reasons: ['no test for the edge case'] } },
        ],
      ],
    });
    const r = await run(s, 'checker');
    expect(r.failure).toBeUndefined();
    expect(readCheckerVerdict(r.reportFile)).toEqual({
      ok: true,
      decision: 'reject',
      reasons: ['no test for the edge case'],
    });
  });

  it('a stale report from an earlier run never counts', async () => {
    const s = setup({ checker: [[{ stdout: 'forgot the report' }]] });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(s.stepDir, { recursive: true });
    writeFileSync(join(s.stepDir, 'report.json'), '{"decision":"approve","reasons":[]}');
    const r = await run(s, 'checker');
    expect(r.failure).toBeUndefined();
    const v = readCheckerVerdict(r.reportFile);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(/wrote no report file/);
  });

  it('a malformed report is a failure with a clear reason, never a pass', async () => {
    const s = setup({ goal: [[{ reportRaw: 'I think the goal is met!' }]] });
    const r = await run(s, 'goal');
    const v = readGoalVerdict(r.reportFile);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(/not JSON.*expected \{"met"/);
  });

  it('a non-zero exit is an agent failure quoting stderr', async () => {
    const s = setup({ maker: [[{ stderr: 'rate limited\n' }, { exit: 3 }]] });
    const r = await run(s, 'maker');
    expect(r.run.exitCode).toBe(3);
    expect(r.failure).toMatch(/maker agent \(command\) exited with code 3: rate limited/);
  });

  it('garbage output with exit 0 is not a failure by itself (the report decides)', async () => {
    const s = setup({ checker: [[{ stdout: '\u0000\u0001 garbage {{{' }]] });
    const r = await run(s, 'checker');
    expect(r.failure).toBeUndefined();
    expect(readCheckerVerdict(r.reportFile).ok).toBe(false);
  });

  it('a hung agent is killed within its timeout plus the grace, with its children', async () => {
    const s = setup({ maker: [[{ spawnChild: true, pidFile: 'child.pid' }, { hang: true }]] });
    const t0 = Date.now();
    const r = await run(s, 'maker', { timeoutMs: 700, killGraceMs: 300 });
    expect(Date.now() - t0).toBeLessThan(700 + 300 + 2500);
    expect(r.run.timedOut).toBe(true);
    expect(r.failure).toMatch(/timed out after/);
    expect(existsSync(join(s.worktree, 'child.pid'))).toBe(true);
    expect(alive(spawnedPid(join(s.worktree, 'child.pid')))).toBe(false);
  });

  it('a hung agent that keeps printing is killed at its timeout too', async () => {
    const s = setup({ maker: [[{ hangPrinting: 50 }]] });
    // Time for node to start inside bwrap and print, on a loaded machine too.
    const r = await run(s, 'maker', { timeoutMs: 1500, killGraceMs: 200 });
    expect(r.run.timedOut).toBe(true);
    expect(readFileSync(join(s.stepDir, 'transcript.log'), 'utf8')).toContain('working...');
  });

  it('the watchdog can read activity and abort through the signal', async () => {
    const s = setup({ maker: [[{ hang: true }]] });
    const ac = new AbortController();
    let last = 0;
    const r = await run(s, 'maker', {
      signal: ac.signal,
      onStart: (h) => {
        last = h.lastActivityAt();
        setTimeout(() => ac.abort('no progress for 10m'), 200);
      },
    });
    expect(last).toBeGreaterThan(0);
    expect(r.run.aborted).toBe(true);
    expect(r.failure).toBe('maker agent (command) was stopped: no progress for 10m');
  });

  it('a flood is capped and the run still completes', async () => {
    const s = setup({ maker: [[{ flood: 3_000_000 }]] });
    const r = await run(s, 'maker', { maxOutputBytes: 200_000 });
    expect(r.failure).toBeUndefined();
    expect(r.run.truncated).toBe(true);
    expect(r.run.outputBytes).toBe(3_000_000);
  });

  it('a missing executable is a failure that says what to do', async () => {
    const s = setup({});
    s.agent.command = [join(s.dir, 'no-such-agent')];
    const r = await run(s, 'maker');
    expect(r.failure).toMatch(/could not start .*no-such-agent.*agents\.maker\.bin/);
    expect(existsSync(join(s.stepDir, 'result.json'))).toBe(true);
  });

  it("does not leak Jidoka's secrets into the agent, but passes the role's env", async () => {
    const s = setup({ maker: [[{ sh: 'env > env.txt' }]] });
    s.agent.env = { MY_AGENT_SETTING: 'on' };
    process.env.ANTHROPIC_API_KEY = 'jidoka-secret';
    try {
      await run(s, 'maker');
    } finally {
      delete process.env.ANTHROPIC_API_KEY;
    }
    const env = readFileSync(join(s.worktree, 'env.txt'), 'utf8');
    expect(env).not.toContain('jidoka-secret');
    expect(env).toContain('MY_AGENT_SETTING=on');
    expect(env).toContain('TERM=dumb');
    expect(env).toContain(`TMPDIR=${join(s.stepDir, 'tmp')}`);
  });
});
