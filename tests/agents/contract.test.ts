/**
 * Contract tests: Jidoka's claude and codex adapters drive the REAL CLIs
 * (installed from npm as devDependencies) against the scripted model server
 * on 127.0.0.1. No API key, no traffic off loopback: HOME, CLAUDE_CONFIG_DIR
 * and CODEX_HOME are temp dirs, and each CLI's base URL is the server.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAgent } from '../../src/agents/run-agent.js';
import { readCheckerVerdict } from '../../src/agents/verdict.js';
import type { AgentConfig, Role } from '../../src/config/schema.js';
import { type ModelServer, type ModelServerScript, startModelServer } from '../support/model-server.js';

const CLAUDE = resolve('node_modules/.bin/claude');
const CODEX = resolve('node_modules/.bin/codex');

let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A temp git repo (the worktree), a step dir, and a private HOME. */
function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'jidoka-contract-'));
  const worktree = join(dir, 'repo');
  mkdirSync(worktree);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: worktree });
  const home = join(dir, 'home');
  mkdirSync(home);
  return { dir, worktree, home, stepDir: join(dir, 'runs', 'step') };
}

async function serve(script: ModelServerScript): Promise<ModelServer> {
  server = await startModelServer(script);
  return server;
}

function run(sb: ReturnType<typeof sandbox>, role: Role, agent: AgentConfig, prompt: string) {
  return runAgent({
    role,
    agent,
    prompt,
    cwd: sb.worktree,
    stepDir: sb.stepDir,
    plan: 'p',
    chunk: 1,
    attempt: 1,
    timeoutMs: 60_000,
  });
}

function claudeAgent(sb: ReturnType<typeof sandbox>, url: string): AgentConfig {
  const config = join(sb.dir, 'claude-config');
  mkdirSync(config);
  return {
    adapter: 'claude',
    model: 'claude-sonnet-4-5',
    bin: CLAUDE,
    maxTurns: 6,
    args: [],
    env: {
      HOME: sb.home,
      CLAUDE_CONFIG_DIR: config,
      ANTHROPIC_BASE_URL: url,
      ANTHROPIC_API_KEY: 'sk-ant-test-not-a-real-key',
    },
    // The CLI's own state (HOME, its config dir) is outside the step: the sandbox must be told.
    sandbox: { mode: 'bwrap', writable: [sb.home, config] },
  };
}

function codexAgent(sb: ReturnType<typeof sandbox>, url: string): AgentConfig {
  const codexHome = join(sb.dir, 'codex-home');
  mkdirSync(codexHome);
  return {
    adapter: 'codex',
    model: 'gpt-test',
    bin: CODEX,
    args: [
      '-c',
      'model_provider="scripted"',
      '-c',
      `model_providers.scripted={name="scripted",base_url="${url}/v1",env_key="SCRIPTED_API_KEY",wire_api="responses"}`,
    ],
    env: { HOME: sb.home, CODEX_HOME: codexHome, SCRIPTED_API_KEY: 'sk-test-not-a-real-key' },
    sandbox: { mode: 'bwrap', writable: [sb.home, codexHome] },
    price: { inputPerMTok: 1, outputPerMTok: 10 },
  };
}

function promptsSeen(s: ModelServer): string {
  return JSON.stringify(s.requests.map((r) => r.body));
}

describe('claude (real CLI) through the claude adapter', () => {
  it('maker: writes a file and runs a command in the worktree; cost, tokens, session parsed', async () => {
    const sb = sandbox();
    const s = await serve({
      anthropic: [
        {
          tool: 'Write',
          input: { file_path: join(sb.worktree, 'hello.txt'), content: 'hello from claude\n' },
        },
        { tool: 'Bash', input: { command: 'echo ran > ran.txt', description: 'record a run' } },
        { text: 'Implemented chunk 1.' },
      ],
      usage: { input: 100, output: 20 },
    });
    const r = await run(sb, 'maker', claudeAgent(sb, s.url), 'MAKER-PROMPT-MARKER: write hello.txt');
    expect(s.unknown).toEqual([]);
    expect(r.failure).toBeUndefined();
    expect(r.sandboxed).toBe(true);
    expect(r.run.exitCode).toBe(0);
    expect(readFileSync(join(sb.worktree, 'hello.txt'), 'utf8')).toBe('hello from claude\n');
    expect(readFileSync(join(sb.worktree, 'ran.txt'), 'utf8')).toBe('ran\n');
    expect(r.parsed).toMatchObject({
      text: 'Implemented chunk 1.',
      isError: false,
      subtype: 'success',
      turns: 3,
    });
    expect(r.parsed.usage).toMatchObject({ inputTokens: 300, outputTokens: 60, totalTokens: 360 });
    expect(r.parsed.costUsd).toBeGreaterThan(0);
    expect(r.parsed.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.parsed.permissionDenials).toBeUndefined();
    expect(promptsSeen(s)).toContain('MAKER-PROMPT-MARKER');
  });

  it('checker: read-only, may write only its report; a denied edit is reported', async () => {
    const sb = sandbox();
    const report = join(sb.stepDir, 'report.json');
    const s = await serve({
      anthropic: [
        {
          tool: 'Write',
          input: { file_path: join(sb.worktree, 'sneaky.txt'), content: 'edited by the checker' },
        },
        {
          tool: 'Write',
          input: { file_path: report, content: '{"decision":"approve","reasons":["tests cover it"]}' },
        },
        { text: 'Verdict written.' },
      ],
    });
    const r = await run(sb, 'checker', claudeAgent(sb, s.url), 'review the diff');
    expect(r.failure).toBeUndefined();
    expect(r.sandboxed).toBe(true);
    expect(existsSync(join(sb.worktree, 'sneaky.txt'))).toBe(false);
    expect(r.parsed.permissionDenials).toEqual([`Write: ${join(sb.worktree, 'sneaky.txt')}`]);
    expect(readCheckerVerdict(r.reportFile)).toEqual({
      ok: true,
      decision: 'approve',
      reasons: ['tests cover it'],
    });
  });

  it('an API error is an agent failure that quotes the API', async () => {
    const sb = sandbox();
    const s = await serve({
      anthropic: [{ error: { status: 400, message: 'SCRIPTED: model not allowed' } }],
    });
    const r = await run(sb, 'maker', claudeAgent(sb, s.url), 'anything');
    expect(r.parsed.isError).toBe(true);
    expect(r.failure).toMatch(/maker agent \(claude\) exited with code 1: .*SCRIPTED: model not allowed/);
  });
});

describe('codex (real CLI) through the codex adapter', () => {
  it('maker: runs a command that writes a file in the worktree; tokens, cost from price, session parsed', async () => {
    const sb = sandbox();
    const s = await serve({
      openai: [
        { tool: 'exec_command', input: { cmd: "printf 'hello from codex\\n' > hello.txt" } },
        { text: 'Implemented chunk 1.' },
      ],
      usage: { input: 1000, output: 100 },
    });
    const r = await run(sb, 'maker', codexAgent(sb, s.url), 'MAKER-PROMPT-MARKER: write hello.txt');
    expect(s.unknown).toEqual([]);
    expect(r.failure).toBeUndefined();
    expect(r.sandboxed).toBe(true);
    expect(readFileSync(join(sb.worktree, 'hello.txt'), 'utf8')).toBe('hello from codex\n');
    expect(r.parsed).toMatchObject({ text: 'Implemented chunk 1.', isError: false, turns: 1 });
    expect(r.parsed.usage).toEqual({
      inputTokens: 2000,
      outputTokens: 200,
      cachedInputTokens: 0,
      totalTokens: 2200,
    });
    expect(r.parsed.costUsd).toBeCloseTo((2000 * 1 + 200 * 10) / 1e6, 10);
    expect(r.parsed.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(promptsSeen(s)).toContain('MAKER-PROMPT-MARKER');
  });

  it('checker: sandboxed read-only; its report is written, the worktree is not', async () => {
    const sb = sandbox();
    const report = join(sb.stepDir, 'report.json');
    const s = await serve({
      openai: [
        {
          tool: 'exec_command',
          input: {
            cmd: `echo edited > ${join(sb.worktree, 'sneaky.txt')}; echo '{"decision":"reject","reasons":["no tests"]}' > ${report}`,
          },
        },
        { text: 'Verdict written.' },
      ],
    });
    const r = await run(sb, 'checker', codexAgent(sb, s.url), 'review the diff');
    expect(r.failure).toBeUndefined();
    expect(r.sandboxed).toBe(true);
    expect(existsSync(join(sb.worktree, 'sneaky.txt'))).toBe(false);
    expect(readCheckerVerdict(r.reportFile)).toEqual({ ok: true, decision: 'reject', reasons: ['no tests'] });
  });

  it('an API error is an agent failure that quotes the API', async () => {
    const sb = sandbox();
    const s = await serve({ openai: [{ error: { status: 400, message: 'SCRIPTED: model not allowed' } }] });
    const r = await run(sb, 'maker', codexAgent(sb, s.url), 'anything');
    expect(r.parsed).toMatchObject({ isError: true, subtype: 'turn.failed' });
    expect(r.failure).toMatch(/maker agent \(codex\) exited with code 1: .*SCRIPTED: model not allowed/);
  });
});
