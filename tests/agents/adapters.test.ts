import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adapters } from '../../src/agents/adapters/index.js';
import { passedEnv } from '../../src/agents/run-agent.js';
import type { AdapterInput } from '../../src/agents/types.js';
import type { AdapterName, AgentConfig, Role } from '../../src/config/schema.js';

const fixture = (name: string) => readFileSync(join('tests/agents/fixtures', name), 'utf8');

function input(
  adapter: AdapterName,
  role: Role,
  agent: Partial<AgentConfig> = {},
  extra: Partial<AdapterInput> = {},
): AdapterInput {
  const stepDir = '/repo/.jidoka/runs/r1/checker-1-1';
  return {
    role,
    agent: { adapter, args: [], env: {}, ...agent },
    prompt: 'THE PROMPT',
    cwd: '/repo/.jidoka/worktrees/p',
    stepDir,
    promptFile: `${stepDir}/prompt.md`,
    reportFile: `${stepDir}/report.json`,
    readOnly: ['checker', 'goal', 'auditor', 'diagnose'].includes(role),
    writableDirs: [stepDir],
    sandboxed: false,
    ...extra,
  };
}

const out = (stdout: string, stderr = '', exitCode: number | null = 0) => ({ stdout, stderr, exitCode });

describe('claude adapter', () => {
  it('maker: print mode, JSON, model, turns, budget, edits accepted, Bash allowed, user args last', () => {
    const inv = adapters.claude.invocation(
      input('claude', 'maker', { model: 'sonnet', maxTurns: 30, maxBudgetUsd: 2, args: ['--verbose'] }),
    );
    expect(inv.file).toBe('claude');
    expect(inv.args.slice(0, 9)).toEqual([
      '-p',
      '--output-format',
      'json',
      '--model',
      'sonnet',
      '--max-turns',
      '30',
      '--max-budget-usd',
      '2',
    ]);
    expect(inv.args).toContain('acceptEdits');
    expect(inv.args).toContain('Bash');
    expect(inv.args).not.toContain('--dangerously-skip-permissions');
    expect(inv.args[inv.args.length - 1]).toBe('--verbose');
    expect(inv.input).toBeUndefined(); // the prompt goes on stdin
    expect(inv.env).toMatchObject({
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_TELEMETRY: '1',
      CLAUDE_CODE_MAX_RETRIES: '2',
    });
  });

  it('checker: dontAsk, read tools, and edit rights only under the step dir', () => {
    const i = input('claude', 'checker', { bin: '/opt/claude' });
    const inv = adapters.claude.invocation(i);
    expect(inv.file).toBe('/opt/claude');
    expect(inv.args).toContain('dontAsk');
    expect(inv.args).not.toContain('Bash');
    expect(inv.args).not.toContain('Write');
    expect(inv.args).toContain(`Edit(/${i.stepDir}/**)`);
    expect(inv.args).toContain('Bash(git diff:*)');
  });

  it('parses a success, with cost, tokens (cache included), session and turns', () => {
    const p = adapters.claude.parse(
      out(
        '{"type":"result","subtype":"success","is_error":false,"num_turns":2,"result":"All done.","session_id":"d1a93f6e-6acb-47a2-a338-84b64f23d372","total_cost_usd":0.00162,"usage":{"input_tokens":240,"cache_creation_input_tokens":10,"cache_read_input_tokens":50,"output_tokens":60},"permission_denials":[]}',
      ),
      input('claude', 'maker'),
    );
    expect(p).toEqual({
      text: 'All done.',
      isError: false,
      subtype: 'success',
      costUsd: 0.00162,
      usage: { inputTokens: 300, outputTokens: 60, cachedInputTokens: 50, totalTokens: 360 },
      sessionId: 'd1a93f6e-6acb-47a2-a338-84b64f23d372',
      turns: 2,
    });
  });

  it('an API error is an error even when subtype says success (recorded from 2.1.197)', () => {
    const p = adapters.claude.parse(out(fixture('claude-api-error.json'), '', 1), input('claude', 'maker'));
    expect(p.isError).toBe(true);
    expect(p.text).toMatch(/issue with the selected model/);
  });

  it('stream-json: finds the result line; max turns and denials reported', () => {
    const p = adapters.claude.parse(out(fixture('claude-max-turns.jsonl')), input('claude', 'maker'));
    expect(p).toMatchObject({
      isError: true,
      subtype: 'error_max_turns',
      turns: 3,
      costUsd: 0.0123,
      permissionDenials: ['Bash: rm -rf node_modules'],
    });
    expect(p.text).toBe('Reached maximum number of turns (3)');
  });

  it('garbage is an unparseable error quoting stderr', () => {
    const p = adapters.claude.parse(
      out('not json at all', 'Error: Invalid API key'),
      input('claude', 'maker'),
    );
    expect(p).toEqual({ text: 'Error: Invalid API key', isError: true, subtype: 'unparseable' });
  });
});

describe('codex adapter', () => {
  it('maker: exec --json in the worktree, workspace-write, never asks, no analytics, prompt on stdin', () => {
    const i = input('codex', 'maker', { model: 'gpt-5-codex-mini', args: ['-c', 'x=1'] });
    const inv = adapters.codex.invocation(i);
    expect(inv.file).toBe('codex');
    expect(inv.args.slice(0, 5)).toEqual(['exec', '--json', '--skip-git-repo-check', '-C', i.cwd]);
    expect(inv.args).toEqual(
      expect.arrayContaining(['-m', 'gpt-5-codex-mini', '-o', `${i.stepDir}/last-message.txt`]),
    );
    expect(inv.args).toEqual(
      expect.arrayContaining([
        'sandbox_mode="workspace-write"',
        'approval_policy="never"',
        'analytics.enabled=false',
        'plugins',
      ]),
    );
    expect(inv.args).not.toContain('--full-auto');
    expect(inv.args.slice(-3)).toEqual(['-c', 'x=1', '-']);
  });

  it("checker, unsandboxed: runs in the worktree (reads the plan's code), /tmp and TMPDIR not writable", () => {
    const i = input('codex', 'checker', {}, { writableDirs: ['/step', '/plans'] });
    const inv = adapters.codex.invocation(i);
    expect(inv.args.slice(3, 5)).toEqual(['-C', i.cwd]);
    expect(inv.args).toEqual(
      expect.arrayContaining([
        'sandbox_mode="workspace-write"',
        'sandbox_workspace_write.exclude_slash_tmp=true',
        'sandbox_workspace_write.exclude_tmpdir_env_var=true',
        '--add-dir',
        '/step',
        '/plans',
      ]),
    );
  });

  it("inside Jidoka's sandbox: codex's own sandbox is off, every role in its worktree", () => {
    for (const role of ['maker', 'checker'] as const) {
      const i = input('codex', role, {}, { sandboxed: true, writableDirs: ['/step'] });
      const inv = adapters.codex.invocation(i);
      expect(inv.args.slice(3, 5)).toEqual(['-C', i.cwd]);
      expect(inv.args).toContain('sandbox_mode="danger-full-access"');
      expect(inv.args).not.toContain('sandbox_mode="workspace-write"');
      expect(inv.args).not.toContain('--add-dir');
    }
  });

  it('parses a success (recorded from 0.169): final message, tokens, session; metadata warning is not fatal', () => {
    const stepDir = mkdtempSync(join(tmpdir(), 'jidoka-codex-'));
    const p = adapters.codex.parse(
      out(fixture('codex-success.jsonl')),
      input(
        'codex',
        'maker',
        { price: { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5 } },
        { stepDir },
      ),
    );
    expect(p).toEqual({
      text: 'All done.',
      isError: false,
      subtype: 'success',
      sessionId: '01a1fe2c-955e-7372-b9cf-9945139733d3',
      usage: { inputTokens: 240, outputTokens: 60, cachedInputTokens: 40, totalTokens: 300 },
      turns: 1,
      costUsd: (200 * 2 + 40 * 0.5 + 60 * 8) / 1e6,
    });
  });

  it('prefers the -o last-message file for the final text', () => {
    const stepDir = mkdtempSync(join(tmpdir(), 'jidoka-codex-'));
    writeFileSync(join(stepDir, 'last-message.txt'), 'FULL FINAL MESSAGE\n');
    const p = adapters.codex.parse(
      out(fixture('codex-success.jsonl')),
      input('codex', 'maker', {}, { stepDir }),
    );
    expect(p.text).toBe('FULL FINAL MESSAGE');
    expect(p.costUsd).toBeUndefined(); // no price table: tokens only
  });

  it('turn.failed is an error with the API message (recorded from 0.169)', () => {
    const p = adapters.codex.parse(
      out(fixture('codex-failed.jsonl'), '', 1),
      input('codex', 'maker', {}, { stepDir: '/nonexistent' }),
    );
    expect(p).toMatchObject({
      isError: true,
      subtype: 'turn.failed',
      sessionId: '01a1fe2b-e3cb-72b1-9def-5c4830660d73',
    });
    expect(p.text).toMatch(/404 Not Found/);
  });

  it('no events at all is unparseable', () => {
    const p = adapters.codex.parse(
      out('', 'error: unexpected argument'),
      input('codex', 'maker', {}, { stepDir: '/nonexistent' }),
    );
    expect(p).toEqual({ text: 'error: unexpected argument', isError: true, subtype: 'unparseable' });
  });
});

describe('opencode adapter (documented format)', () => {
  it('builds run --format json with model, dir and the prompt after --', () => {
    const i = input('opencode', 'maker', { model: 'anthropic/claude-sonnet-4-5' });
    const inv = adapters.opencode.invocation(i);
    expect(inv.args).toEqual([
      'run',
      '--format',
      'json',
      '-m',
      'anthropic/claude-sonnet-4-5',
      '--dir',
      i.cwd,
      '--',
      'THE PROMPT',
    ]);
    expect(inv.input).toBe('');
  });

  it('allows its tools the step dir outside --dir (where the report goes): run mode refuses what it would ask', () => {
    const inv = adapters.opencode.invocation(input('opencode', 'checker'));
    expect(JSON.parse(inv.env.OPENCODE_PERMISSION ?? '{}')).toEqual({
      external_directory: {
        '/repo/.jidoka/runs/r1/checker-1-1': 'allow',
        '/repo/.jidoka/runs/r1/checker-1-1/**': 'allow',
      },
    });
  });

  it('a prompt too long for argv is passed by file', () => {
    const inv = adapters.opencode.invocation(input('opencode', 'maker', {}, { prompt: 'x'.repeat(200_000) }));
    expect(inv.args[inv.args.length - 1]).toMatch(/instructions are in the file .*prompt\.md/);
  });

  it('sums step_finish tokens and cost; last text is the answer', () => {
    const p = adapters.opencode.parse(out(fixture('opencode-success.jsonl')), input('opencode', 'maker'));
    expect(p).toEqual({
      text: 'Wrote hello.txt.',
      isError: false,
      subtype: 'success',
      sessionId: 'ses_494719016ffe85dkDMj0FPRbHK',
      turns: 2,
      usage: {
        inputTokens: 1200 + 300 + 1400 + 1300,
        outputTokens: 100 + 20,
        cachedInputTokens: 1600,
        totalTokens: 4200 + 120,
      },
      costUsd: 0.0031,
    });
  });

  it('an error event is an error', () => {
    const p = adapters.opencode.parse(out(fixture('opencode-error.jsonl')), input('opencode', 'maker'));
    expect(p).toMatchObject({ isError: true, text: 'invalid x-api-key', sessionId: 'ses_err' });
  });
});

describe('gemini adapter (documented format)', () => {
  it('builds -p with json output; yolo for makers, auto_edit for read-only roles; a new worktree is trusted', () => {
    expect(adapters.gemini.invocation(input('gemini', 'maker', { model: 'gemini-2.5-pro' })).args).toEqual([
      '-p',
      'THE PROMPT',
      '--output-format',
      'json',
      '-m',
      'gemini-2.5-pro',
      '--approval-mode',
      'yolo',
      '--skip-trust',
      '--include-directories',
      '/repo/.jidoka/runs/r1/checker-1-1',
    ]);
    expect(adapters.gemini.invocation(input('gemini', 'checker')).args).toContain('auto_edit');
  });

  it('parses response, tokens and requests', () => {
    const p = adapters.gemini.parse(out(fixture('gemini-success.json')), input('gemini', 'maker'));
    expect(p).toEqual({
      text: 'Added the cache and a test.',
      isError: false,
      subtype: 'success',
      sessionId: 'c9e1d8a0-2f4b-4c7e-9d3a-5b6f7e8d9c0a',
      usage: { inputTokens: 5000, outputTokens: 650, cachedInputTokens: 1000, totalTokens: 5650 },
      turns: 3,
    });
  });

  it('an error object, or only stderr with an exit code, is an error', () => {
    expect(
      adapters.gemini.parse(out(fixture('gemini-error.json'), '', 41), input('gemini', 'maker')),
    ).toMatchObject({
      isError: true,
      subtype: 'FatalAuthenticationError',
      text: 'GEMINI_API_KEY is not set',
    });
    expect(
      adapters.gemini.parse(out('', 'Error: quota exceeded', 53), input('gemini', 'maker')),
    ).toMatchObject({ isError: true, subtype: 'unparseable', text: 'Error: quota exceeded' });
  });

  it('an API error printed on stderr (0.61, after a stack trace) is the API words, no pointer to a temp file', () => {
    const p = adapters.gemini.parse(
      out('', fixture('gemini-api-error-stderr.txt'), 145),
      input('gemini', 'maker'),
    );
    expect(p).toMatchObject({
      isError: true,
      subtype: 'Error',
      text: 'API error 401 UNAUTHENTICATED: SCRIPTED-401: invalid api key',
      sessionId: '93f77a0d-a40f-4d19-9c0e-96d43fbc01ac',
    });
  });

  it('stderr without an error object loses its stack frames and its "Full report" pointer', () => {
    const stderr =
      'Error when talking to Gemini API Full report available at: /tmp/x/tmp/gemini-client-error.json Error: boom\n    at f (file:///a.js:1:1)\n    at g (file:///a.js:2:2)';
    expect(adapters.gemini.parse(out('', stderr, 1), input('gemini', 'maker')).text).toBe(
      'Error when talking to Gemini API Error: boom',
    );
  });

  it('cost comes from the role price', () => {
    const p = adapters.gemini.parse(
      out(fixture('gemini-success.json')),
      input('gemini', 'maker', { price: { inputPerMTok: 1, outputPerMTok: 10 } }),
    );
    expect(p.costUsd).toBeCloseTo((4000 * 1 + 1000 * 1 + 650 * 10) / 1e6, 10);
  });
});

describe('pi adapter (documented format)', () => {
  it('builds -p --mode json; read-only roles get read tools plus write', () => {
    expect(adapters.pi.invocation(input('pi', 'maker', { model: 'sonnet' })).args).toEqual([
      '-p',
      '--mode',
      'json',
      '--no-session',
      '--model',
      'sonnet',
      'THE PROMPT',
    ]);
    expect(adapters.pi.invocation(input('pi', 'goal')).args).toEqual(
      expect.arrayContaining(['--tools', 'read,grep,find,ls,write']),
    );
  });

  it('sums assistant usage and cost; the last message is the answer', () => {
    const p = adapters.pi.parse(out(fixture('pi-success.jsonl')), input('pi', 'maker'));
    expect(p).toEqual({
      text: 'Done: wrote a.txt.',
      isError: false,
      subtype: 'stop',
      sessionId: 'ccd569e0-4e1b-4c7d-a981-637ed4107310',
      usage: { inputTokens: 1000 + 1900, outputTokens: 60, cachedInputTokens: 1000, totalTokens: 2960 },
      turns: 2,
      costUsd: 0.00348 + 0.00327,
    });
  });

  it('exit 0 with stopReason error is still an error', () => {
    const p = adapters.pi.parse(out(fixture('pi-api-error.jsonl')), input('pi', 'maker'));
    expect(p).toMatchObject({ isError: true, subtype: 'error' });
    expect(p.text).toMatch(/invalid x-api-key/);
  });
});

describe('aider adapter (documented format)', () => {
  it('passes the prompt by --message-file, never commits, no pretty output', () => {
    const i = input('aider', 'maker', { model: 'sonnet' });
    const inv = adapters.aider.invocation(i);
    expect(inv.args.slice(0, 4)).toEqual(['--message-file', i.promptFile, '--model', 'sonnet']);
    expect(inv.args).toEqual(
      expect.arrayContaining(['--yes-always', '--no-auto-commits', '--no-pretty', '--no-stream']),
    );
  });

  it('reads tokens and the session cost from its plain text', () => {
    const p = adapters.aider.parse(out(fixture('aider-success.txt')), input('aider', 'maker'));
    expect(p).toMatchObject({
      isError: false,
      turns: 2,
      costUsd: 0.03,
      usage: { inputTokens: 9300, outputTokens: 405, cachedInputTokens: 1200, totalTokens: 9705 },
    });
    expect(p.text).toContain('Added a test and the cache.');
  });
});

describe('command adapter', () => {
  it('substitutes placeholders in argv and args', () => {
    const i = input('command', 'checker', {
      command: ['my-agent', '--prompt', '{prompt_file}', '--out={report_file}'],
      args: ['--cwd', '{worktree}'],
    });
    expect(adapters.command.invocation(i)).toEqual({
      file: 'my-agent',
      args: ['--prompt', i.promptFile, `--out=${i.reportFile}`, '--cwd', i.cwd],
      env: {},
    });
  });
});

describe('passedEnv', () => {
  it("gives each CLI only its own vendor's variables", () => {
    const env = {
      ANTHROPIC_API_KEY: 'a',
      OPENAI_API_KEY: 'o',
      CODEX_HOME: '/c',
      GH_TOKEN: 'g',
      PATH: '/bin',
    };
    expect(passedEnv(adapters.claude, env)).toEqual({ ANTHROPIC_API_KEY: 'a' });
    expect(passedEnv(adapters.codex, env)).toEqual({ OPENAI_API_KEY: 'o', CODEX_HOME: '/c' });
    expect(passedEnv(adapters.command, env)).toEqual({});
  });
});
