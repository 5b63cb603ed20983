/**
 * The contract every adapter keeps with its REAL CLI, as one table-driven
 * suite: each tests/agents/contract-<cli>.test.ts describes how its CLI is
 * configured (the jidoka.yaml a user writes: README, "Agent CLIs") and how
 * the scripted model asks it to write a file or run a shell command, then
 * calls `contractSuite`. The CLIs come from scripts/agent-clis.mjs (a cache
 * outside the repository), the model from tests/support/model-server.ts on
 * 127.0.0.1; every step runs in Jidoka's bwrap sandbox with a private HOME.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, typed by use
import { cliBin } from '../../scripts/agent-clis.mjs';
import { type AgentResult, runAgent } from '../../src/agents/run-agent.js';
import { readCheckerVerdict, readGoalVerdict } from '../../src/agents/verdict.js';
import { parseConfig } from '../../src/config/load.js';
import type { AdapterName, AgentConfig, Role } from '../../src/config/schema.js';
import {
  type ModelServer,
  type ModelServerScript,
  type ScriptedTurn,
  startModelServer,
} from '../support/model-server.js';
import { alive, pidsWith } from '../support/process.js';

/** A main checkout, the plan's worktree beside it, and the step dir where Jidoka keeps its run record. */
export interface Sandbox {
  dir: string;
  main: string;
  worktree: string;
  stepDir: string;
}

export interface CliUnderTest {
  adapter: AdapterName;
  /** Which API of the model server the CLI is pointed at. */
  api: 'anthropic' | 'openai' | 'chat' | 'gemini';
  /**
   * The role's entry in jidoka.yaml, as the README shows it, for a model
   * server at `url`; `files` are the files that entry names (e.g. a provider
   * config), written under `dir` first.
   */
  config(url: string, dir: string): { yaml: string; files?: Record<string, string> };
  /** The model's turn that writes `content` to `path` with the CLI's file tool. */
  write(path: string, content: string): ScriptedTurn;
  /** The model's turn that runs `command` with the CLI's shell tool (cwd: the worktree). */
  shell(command: string): ScriptedTurn;
  /** What the parsed output must say about cost: a number from the CLI, or from the role's `price`. */
  costUsd: 'reported' | 'priced' | 'none';
  /** Agent timeout for the hung-model test: long enough for the CLI to start and ask the model twice (default 45 s). */
  hangTimeoutMs?: number;
  /** How many of this CLI's tests run at once (default: all): a CLI heavy to start is limited. */
  parallel?: number;
  /** What the failure says on an API 500 when the CLI does not quote the API's body (default: the body's words). */
  serverErrorText?: string;
  /** Upper bound on the time to fail on an API 500: some CLIs retry a 5xx with backoff first (default 60 s). */
  serverErrorMs?: number;
  /** Extra checks on the maker's parsed output (turn counts differ between CLIs). */
  maker?(r: AgentResult, s: ModelServer): void;
  /** Extra checks on a judging role's result (what the CLI's own permissions refused). */
  judge?(r: AgentResult, sb: Sandbox): void;
}

export function sandbox(): Sandbox {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'jidoka-contract-')));
  const main = join(dir, 'main');
  mkdirSync(main);
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe' });
  git(main, 'init', '-q', '-b', 'main');
  writeFileSync(join(main, 'README.md'), '# scratch\n');
  git(main, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-a', '--allow-empty', '-m', 'base');
  git(main, 'add', 'README.md');
  git(main, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'readme');
  const worktree = join(dir, 'worktrees', 'p');
  git(main, 'worktree', 'add', '-q', '-b', 'jidoka/p', worktree);
  return { dir, main, worktree, stepDir: join(main, '.jidoka', 'runs', 'p', 'step') };
}

/** The role's AgentConfig exactly as Jidoka reads it from jidoka.yaml. */
export function agentFor(cli: CliUnderTest, role: Role, url: string, sb: Sandbox): AgentConfig {
  const { yaml, files = {} } = cli.config(url, join(sb.dir, 'config'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
  const entry = yaml
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  const agent = parseConfig(`agents:\n  ${role}:\n${entry}\n`).agents[role];
  if (!agent) throw new Error(`no agents.${role} in:\n${yaml}`);
  return { ...agent, bin: cliBin(cli.adapter) };
}

/** Live processes whose command line carries `marker`, after up to `waitMs` for a namespace teardown. */
async function survivors(marker: string, waitMs = 1000): Promise<number[]> {
  const until = Date.now() + waitMs;
  for (;;) {
    const left = pidsWith(marker).filter(alive);
    if (!left.length || Date.now() > until) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** At most `n` of the returned function's calls run at once; the rest wait their turn. */
function limiter(n: number): <T>(job: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (job) => {
    if (running >= n) await new Promise<void>((go) => waiting.push(go));
    running++;
    try {
      return await job();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export function contractSuite(cli: CliUnderTest): void {
  const servers: ModelServer[] = [];
  const slot = limiter(cli.parallel ?? Number.POSITIVE_INFINITY);
  // Every test waits for a slot; its time limit covers the wait.
  const test = (name: string, body: () => Promise<void>, ms: number) => it(name, () => slot(body), ms * 2);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  async function serve(turns: ScriptedTurn[], usage?: ModelServerScript['usage']): Promise<ModelServer> {
    const server = await startModelServer({ [cli.api]: turns, ...(usage ? { usage } : {}) });
    servers.push(server);
    return server;
  }

  function run(sb: Sandbox, role: Role, s: ModelServer, prompt: string, timeoutMs = 180_000) {
    return runAgent(request(sb, role, s, prompt, timeoutMs));
  }

  function request(sb: Sandbox, role: Role, s: ModelServer, prompt: string, timeoutMs: number) {
    return {
      role,
      agent: agentFor(cli, role, s.url, sb),
      prompt,
      cwd: sb.worktree,
      stepDir: sb.stepDir,
      plan: 'p',
      chunk: 1,
      attempt: 1,
      timeoutMs,
      killGraceMs: 1000,
    };
  }

  // Concurrent: most of these tests wait (on a CLI's backoff, on a timeout); each has its own server and repo.
  describe.concurrent(`${cli.adapter} (real CLI) through the ${cli.adapter} adapter`, () => {
    test('maker: edits the worktree with its file and shell tools; usage and session parsed', async () => {
      const sb = sandbox();
      const s = await serve(
        [
          cli.write(join(sb.worktree, 'hello.txt'), `hello from ${cli.adapter}\n`),
          cli.shell('echo ran > ran.txt'),
          { text: 'Implemented chunk 1.' },
        ],
        { input: 100, output: 20 },
      );
      const r = await run(sb, 'maker', s, 'MAKER-PROMPT-MARKER: write hello.txt');
      expect(s.unknown).toEqual([]);
      expect(r.failure).toBeUndefined();
      expect(r.sandboxed).toBe(true);
      expect(readFileSync(join(sb.worktree, 'hello.txt'), 'utf8')).toBe(`hello from ${cli.adapter}\n`);
      expect(readFileSync(join(sb.worktree, 'ran.txt'), 'utf8')).toBe('ran\n');
      expect(r.parsed.isError).toBe(false);
      expect(r.parsed.text).toContain('Implemented chunk 1.');
      // At least the three scripted turns, each 100 in, 20 out (some CLIs add side calls).
      expect(r.parsed.usage?.inputTokens).toBeGreaterThanOrEqual(300);
      expect(r.parsed.usage?.outputTokens).toBeGreaterThanOrEqual(60);
      expect(r.parsed.sessionId).toBeTruthy();
      if (cli.costUsd === 'none') expect(r.parsed.costUsd).toBeUndefined();
      else expect(r.parsed.costUsd).toBeGreaterThan(0);
      expect(JSON.stringify(s.requests.map((q) => q.body))).toContain('MAKER-PROMPT-MARKER');
      cli.maker?.(r, s);
    }, 200_000);

    for (const role of ['checker', 'goal'] as const) {
      test(`${role}: its verdict is read; its writes into the worktree and the main checkout land nowhere`, async () => {
        const sb = sandbox();
        const report = join(sb.stepDir, 'report.json');
        const verdict =
          role === 'checker'
            ? '{"decision":"reject","reasons":["no test covers it"]}'
            : '{"met":true,"evidence":["npm test: 3 passed"]}';
        const s = await serve([
          cli.write(join(sb.worktree, 'sneaky.txt'), 'edited by the checker'),
          cli.shell(`echo edited > ${join(sb.main, 'sneaky-main.txt')}; echo edited > sneaky-shell.txt`),
          cli.write(report, verdict),
          { text: 'Verdict written.' },
        ]);
        const r = await run(sb, role, s, `review the diff; write your report to ${report}`);
        expect(s.unknown).toEqual([]);
        expect(r.failure).toBeUndefined();
        expect(r.sandboxed).toBe(true);
        expect(existsSync(join(sb.worktree, 'sneaky.txt'))).toBe(false);
        expect(existsSync(join(sb.worktree, 'sneaky-shell.txt'))).toBe(false);
        expect(existsSync(join(sb.main, 'sneaky-main.txt'))).toBe(false);
        expect(execFileSync('git', ['status', '--porcelain'], { cwd: sb.worktree, encoding: 'utf8' })).toBe(
          '',
        );
        cli.judge?.(r, sb);
        if (role === 'checker')
          expect(readCheckerVerdict(r.reportFile)).toEqual({
            ok: true,
            decision: 'reject',
            reasons: ['no test covers it'],
          });
        else
          expect(readGoalVerdict(r.reportFile)).toEqual({
            ok: true,
            met: true,
            evidence: ['npm test: 3 passed'],
          });
      }, 200_000);
    }

    for (const [status, message] of [
      [401, 'SCRIPTED-401: invalid api key'],
      [500, 'SCRIPTED-500: the server fell over'],
    ] as const) {
      test(`an API error ${status} is a readable agent failure, well before the timeout`, async () => {
        const sb = sandbox();
        const s = await serve([{ error: { status, message } }]);
        const started = Date.now();
        const r = await run(sb, 'maker', s, 'anything', 180_000);
        const took = Date.now() - started;
        expect(r.run.timedOut).toBe(false);
        expect(took).toBeLessThan(status === 500 ? (cli.serverErrorMs ?? 90_000) : 90_000);
        const words = status === 500 && cli.serverErrorText ? cli.serverErrorText : `SCRIPTED-${status}`;
        expect(r.failure).toMatch(new RegExp(`^maker agent \\(${cli.adapter}\\) .*${words}`, 's'));
        // Readable: the API's words, not kilobytes of stack trace.
        expect(r.failure?.length).toBeLessThan(1200);
        expect(r.failure).not.toMatch(/\n\s+at /);
        // Nor a pointer into the step's TMPDIR, which is deleted when the step ends.
        expect(r.failure).not.toContain(join(sb.stepDir, 'tmp'));
      }, 200_000);
    }

    test('a model that hangs (after a tool call that left a detached child): killed at the timeout, nothing left running', async () => {
      const sb = sandbox();
      // A distinctive duration: the child is found by its command line. setsid: out of the CLI's process group.
      const marker = `${300 + Math.floor(Math.random() * 1e6) / 1e7}`;
      const s = await serve([
        cli.shell(`(setsid sleep ${marker} </dev/null >/dev/null 2>&1 &) ; echo started`),
        { hang: true },
      ]);
      let childSeen = false;
      const watch = setInterval(() => {
        childSeen ||= pidsWith(marker).some(alive);
      }, 100);
      const r = await run(sb, 'maker', s, 'anything', cli.hangTimeoutMs ?? 45_000).finally(() =>
        clearInterval(watch),
      );
      // The tool call ran and the model was asked again: it was the model that hung, not the CLI's start.
      expect(childSeen).toBe(true);
      expect(s.hanging()).toBeGreaterThanOrEqual(1);
      expect(r.run.timedOut).toBe(true);
      expect(r.failure).toMatch(
        new RegExp(`^maker agent \\(${cli.adapter}\\) timed out after .* and was killed$`),
      );
      expect(await survivors(marker)).toEqual([]);
      expect(await survivors(sb.stepDir)).toEqual([]);
    }, 150_000);
  });
}
