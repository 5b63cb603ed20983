import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { agentSchema } from '../../src/config/schema.js';
import { checkAgentSetup, trustCheck } from '../../src/doctor/agent-setup.js';
import { git, jidoka, tempDir, tempRepo } from '../init/helpers.js';
import { FAKE_AGENT } from '../support/repo.js';

interface Check {
  id: string;
  status: 'ok' | 'warn' | 'fail';
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
}

/** A committed repository after `jidoka init` with `agents` as its roles. */
async function repoWith(agents: Record<string, unknown>): Promise<string> {
  const repo = await tempRepo();
  expect((await jidoka(repo, ['init'])).code).toBe(0);
  writeFileSync(join(repo, 'jidoka.yaml'), stringify({ agents, checks: ['node -e 0'] }));
  await git(repo, 'add', '-A');
  await git(repo, 'commit', '-q', '-m', 'jidoka init');
  return repo;
}

/** The scripted agent as a role: `steps` is what it does on its (only) call. */
function scripted(dir: string, role: string, steps: unknown[]): Record<string, unknown> {
  const script = join(dir, `${role}.json`);
  writeFileSync(script, JSON.stringify({ [role]: [steps] }));
  return {
    adapter: 'command',
    command: [process.execPath, FAKE_AGENT, '--script', script],
    sandbox: { writable: [dir] },
  };
}

const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id);

describe('jidoka doctor --probe', () => {
  it("runs each role's CLI once, sandboxed in a fresh worktree, and reports exit, parse and time", async () => {
    const dir = tempDir('jidoka-probe-agent-');
    const repo = await repoWith({
      maker: scripted(dir, 'maker', [
        { sh: 'pwd > {scriptDir}/cwd-maker; git status --short | wc -l > {scriptDir}/dirty-maker' },
        { stdout: 'OK\n' },
      ]),
      checker: scripted(dir, 'checker', [{ stderr: 'checker: no credentials for the model\n' }, { exit: 2 }]),
    });

    // Without --probe nothing runs (nothing is spent).
    const quiet = await jidoka(repo, ['doctor', '--json']);
    expect(JSON.parse(quiet.stdout).checks.some((c: Check) => c.id.startsWith('probe.'))).toBe(false);
    expect(existsSync(join(dir, 'maker.json.calls.json'))).toBe(false);

    const r = await jidoka(repo, ['doctor', '--probe', '--json']);
    expect(r.code).toBe(1);
    const checks = JSON.parse(r.stdout).checks as Check[];
    expect(byId(checks, 'probe.maker')).toMatchObject({
      status: 'ok',
      details: { exitCode: 0, parsed: true, sandboxed: true, timedOut: false },
    });
    expect(byId(checks, 'probe.maker')?.message).toMatch(
      /^maker: command answered in a fresh worktree in .+ \(exit 0, output parsed\)$/,
    );
    expect(byId(checks, 'probe.maker')?.details?.durationMs).toEqual(expect.any(Number));
    const failed = byId(checks, 'probe.checker')!;
    expect(failed).toMatchObject({ status: 'fail', details: { exitCode: 2 } });
    expect(failed.message).toMatch(
      /checker: command could not work in a fresh worktree .*exited with code 2: checker: no credentials for the model/,
    );
    expect(failed.hint).toMatch(/read \.jidoka\/runs\/.*doctor.*\/checker\/transcript\.log/);

    // A scratch checkout of HEAD under .jidoka/tmp, clean, and gone afterwards.
    const cwd = readFileSync(join(dir, 'cwd-maker'), 'utf8').trim();
    expect(cwd.startsWith(join(repo, '.jidoka/tmp/'))).toBe(true);
    expect(readFileSync(join(dir, 'dirty-maker'), 'utf8').trim()).toBe('0');
    expect(existsSync(cwd)).toBe(false);
    expect(await git(repo, 'worktree', 'list')).not.toContain('.jidoka/tmp');

    // What the probes spent is in the ledger, one line per probe.
    const probes = readFileSync(join(repo, '.jidoka/ledger.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((e) => e.event === 'doctor.probe');
    expect(probes.map((e) => [e.role, e.outcome])).toEqual([
      ['maker', 'finished'],
      ['checker', 'failed'],
    ]);

    const text = await jidoka(repo, ['doctor', '--probe']);
    expect(text.stdout).toMatch(/^✓ probe\.maker +maker: command answered/m);
    expect(text.stdout).toMatch(/^✗ probe\.checker +checker: command could not work/m);
  }, 60_000);

  it('fails a bin that exists but is not executable, saying so', async () => {
    const dir = tempDir('jidoka-bin-');
    const bin = join(dir, 'claude');
    writeFileSync(bin, '#!/bin/sh\necho 1.0.0\n');
    chmodSync(bin, 0o644);
    const repo = await repoWith({ maker: { adapter: 'claude', bin } });
    const r = await jidoka(repo, ['doctor', '--json']);
    expect(r.code).toBe(1);
    expect(byId(JSON.parse(r.stdout).checks, 'agent.maker')).toMatchObject({
      status: 'fail',
      message: `maker: ${bin} (agents.maker.bin) exists but is not executable: chmod +x it`,
    });
  });
});

describe('doctor: what it sees without spending', () => {
  const agent = (a: Record<string, unknown>) => agentSchema.parse(a);

  it('gemini: a command line without --skip-trust fails every worktree; with it, fine', () => {
    expect(trustCheck('maker', ['-p', 'x', '--output-format', 'json'])).toMatchObject({
      id: 'agent.maker.setup',
      status: 'fail',
      message: expect.stringMatching(/untrusted folder \(it exits 55\)/),
      hint: expect.stringMatching(/--skip-trust to agents\.maker\.args/),
    });
    expect(trustCheck('maker', ['-p', 'x', '--skip-trust'])).toMatchObject({ status: 'ok' });
    // The check runs on the adapter's real command line, with the role's args.
    expect(checkAgentSetup('maker', agent({ adapter: 'gemini', args: ['--skip-trust'] }))).toMatchObject({
      status: 'ok',
    });
  });

  it('claude: an API key passed to the step, or a credentials file the step can see; else a warning', () => {
    const home = tempDir('jidoka-home-');
    mkdirSync(join(home, '.claude'));
    writeFileSync(join(home, '.claude/.credentials.json'), '{"claudeAiOauth":{}}');
    const claude = agent({ adapter: 'claude' });
    expect(checkAgentSetup('checker', claude, { ANTHROPIC_API_KEY: 'sk-test' })).toMatchObject({
      status: 'ok',
      message: 'checker: claude gets credentials from ANTHROPIC_API_KEY',
    });
    // A login in the user's HOME is not seen by a sandboxed step: its HOME is private.
    const unseen = checkAgentSetup('checker', claude, { HOME: home });
    expect(unseen).toMatchObject({
      status: 'warn',
      hint: expect.stringMatching(/ANTHROPIC_API_KEY.*CLAUDE_CONFIG_DIR/),
    });
    expect(unseen?.message).toMatch(/private and empty/);
    // Pointed at it, it is.
    const pointed = agent({ adapter: 'claude', env: { CLAUDE_CONFIG_DIR: join(home, '.claude') } });
    expect(checkAgentSetup('checker', pointed, {})).toMatchObject({
      status: 'ok',
      message: `checker: claude gets credentials from ${join(home, '.claude/.credentials.json')}`,
    });
    // Unsandboxed, the step has the user's HOME.
    const open = { ...claude, sandbox: { mode: 'none' as const, writable: [] } };
    expect(checkAgentSetup('checker', open, { HOME: home })).toMatchObject({ status: 'ok' });
  });

  it("codex: OPENAI_API_KEY, CODEX_HOME's auth.json, or a provider of the role's own", () => {
    const codexHome = tempDir('jidoka-codex-');
    expect(checkAgentSetup('maker', agent({ adapter: 'codex' }), {})).toMatchObject({ status: 'warn' });
    expect(checkAgentSetup('maker', agent({ adapter: 'codex' }), { OPENAI_API_KEY: 'x' })).toMatchObject({
      status: 'ok',
    });
    writeFileSync(join(codexHome, 'auth.json'), '{"OPENAI_API_KEY":"x"}');
    expect(checkAgentSetup('maker', agent({ adapter: 'codex' }), { CODEX_HOME: codexHome })).toMatchObject({
      status: 'ok',
      message: `maker: codex gets credentials from ${join(codexHome, 'auth.json')}`,
    });
    const provider = agent({ adapter: 'codex', args: ['-c', 'model_provider="local"'] });
    expect(checkAgentSetup('maker', provider, {})).toMatchObject({ status: 'ok' });
  });

  it('has nothing to say about the command adapter', () => {
    expect(checkAgentSetup('maker', agent({ adapter: 'command', command: ['node'] }))).toBeUndefined();
  });
});
