import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { git, jidoka, tempDir, tempRepo } from '../init/helpers.js';

interface JsonReport {
  ok: boolean;
  checks: {
    id: string;
    status: 'ok' | 'warn' | 'fail';
    message: string;
    hint?: string;
    details?: Record<string, unknown>;
  }[];
}

/** Every role on the `command` adapter running `node`, so no agent CLI has to be installed. */
function commandConfig(extra = ''): string {
  const roles = ['maker', 'checker', 'goal', 'auditor', 'docs', 'diagnose'];
  return `agents:\n${roles.map((r) => `  ${r}: { adapter: command, command: [node, -e, "0"] }`).join('\n')}\n${extra}checks:\n  - node -e 0\n`;
}

/** A repository after `jidoka init`, committed, with the given jidoka.yaml. */
async function initRepo(config: string): Promise<string> {
  const repo = await tempRepo();
  const r = await jidoka(repo, ['init']);
  expect(r.code).toBe(0);
  writeFileSync(join(repo, 'jidoka.yaml'), config);
  await git(repo, 'add', '-A');
  await git(repo, 'commit', '-q', '-m', 'jidoka init');
  return repo;
}

async function doctorJson(cwd: string, env: Record<string, string> = {}) {
  const r = await jidoka(cwd, ['doctor', '--json'], env);
  return { code: r.code, report: JSON.parse(r.stdout) as JsonReport, stderr: r.stderr };
}

const byId = (report: JsonReport, id: string) => report.checks.find((c) => c.id === id);

/** A pid that is certainly not running: a child that already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('jidoka doctor', () => {
  let healthy: string;
  beforeAll(async () => {
    healthy = await initRepo(commandConfig());
  });

  it('passes in a repository after `jidoka init` whose roles use the command adapter', async () => {
    const r = await jidoka(healthy, ['doctor']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ git +git \d+\.\d+/m);
    expect(r.stdout).toMatch(/^✓ config +jidoka\.yaml is valid \(6 roles, 1 check\)/m);
    expect(r.stdout).toMatch(/^✓ agent\.maker +maker: command node → \//m);
    expect(r.stdout).not.toMatch(/^✗/m);
    expect(r.stdout).toMatch(/Healthy/);
  });

  it('prints the stable JSON shape', async () => {
    const { code, report } = await doctorJson(healthy);
    expect(code).toBe(0);
    expect(Object.keys(report).sort()).toEqual(['checks', 'ok']);
    expect(report.ok).toBe(true);
    for (const c of report.checks) {
      expect(Object.keys(c).every((k) => ['id', 'status', 'message', 'hint', 'details'].includes(k))).toBe(
        true,
      );
      expect(['ok', 'warn', 'fail']).toContain(c.status);
      expect(typeof c.message).toBe('string');
    }
    const ids = report.checks.map((c) => c.id);
    for (const id of [
      'git',
      'repo',
      'branch',
      'config',
      'agents',
      'agent.maker',
      'agent.diagnose',
      'agent-clis',
      'sandbox',
      'wiki',
      'plans',
      'state',
      'gitignore',
      'lock',
      'worktrees',
    ])
      expect(ids).toContain(id);
    expect(byId(report, 'git')?.details?.version).toMatch(/^\d+\.\d+\.\d+$/);
    // bwrap is installed here (.ci/run installs it): the sandbox check lists what each role writes.
    expect(byId(report, 'sandbox')).toMatchObject({ status: 'ok' });
    expect(byId(report, 'sandbox')?.message).toMatch(/^maker writes: <worktree>, <step dir>$/m);
    expect(byId(report, 'sandbox')?.message).toMatch(/^checker writes: <step dir>$/m);
    expect(byId(report, 'branch')?.details).toMatchObject({ current: 'main', uncommitted: 0, main: 'main' });
  });

  it('fails naming the role and the path when a configured agent CLI is missing', async () => {
    const repo = await initRepo(
      commandConfig().replace(
        '  checker: { adapter: command, command: [node, -e, "0"] }',
        '  checker:\n    adapter: claude\n    bin: /nonexistent/claude',
      ),
    );
    const r = await jidoka(repo, ['doctor']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ agent\.checker +checker: claude CLI not found at \/nonexistent\/claude/m);
    expect(r.stdout).toContain('fix agents.checker.bin (jidoka.yaml:5)');
    expect(r.stdout).toMatch(/1 check failed/);
    const { report } = await doctorJson(repo);
    expect(report.ok).toBe(false);
    expect(byId(report, 'agent.checker')).toMatchObject({
      status: 'fail',
      details: { bin: '/nonexistent/claude', path: null },
    });
  });

  it('fails when a command adapter names an executable that does not exist', async () => {
    const repo = await initRepo(
      commandConfig().replace(
        'maker: { adapter: command, command: [node,',
        'maker: { adapter: command, command: [./no-such-agent,',
      ),
    );
    const { code, report } = await doctorJson(repo);
    expect(code).toBe(1);
    expect(byId(report, 'agent.maker')).toMatchObject({ status: 'fail' });
    expect(byId(report, 'agent.maker')?.message).toContain('"./no-such-agent" not found');
  });

  it('fails on a broken config, naming file:line and key of each problem', async () => {
    const repo = await initRepo(`${commandConfig()}limits:\n  maxAttempts: three\n  noProgres: 5m\n`);
    const r = await jidoka(repo, ['doctor']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ config +jidoka\.yaml has 2 problems:/m);
    expect(r.stdout).toContain('jidoka.yaml:11: limits.maxAttempts: expected number, got string "three"');
    expect(r.stdout).toContain('jidoka.yaml:12: limits.noProgres: unknown key (did you mean "noProgress"?)');
    const { report } = await doctorJson(repo);
    expect(byId(report, 'config')?.details?.problems).toEqual([
      expect.objectContaining({ line: 11, key: 'limits.maxAttempts' }),
      expect.objectContaining({ line: 12, key: 'limits.noProgres' }),
    ]);
  });

  it('fails without jidoka.yaml and points at jidoka init', async () => {
    const repo = await tempRepo({ commit: true });
    const { code, report } = await doctorJson(repo);
    expect(code).toBe(1);
    expect(byId(report, 'config')).toMatchObject({
      status: 'fail',
      hint: expect.stringContaining('jidoka init'),
    });
    expect(byId(report, 'wiki')?.status).toBe('warn');
  });

  it('reports a stale daemon lock, and a live one as running', async () => {
    const repo = await initRepo(commandConfig());
    mkdirSync(join(repo, '.jidoka'), { recursive: true });
    const pid = deadPid();
    const lock = { pid, hostname: hostname(), startedAt: '2025-01-31T10:00:00.000Z' };
    writeFileSync(join(repo, '.jidoka', 'daemon.lock'), JSON.stringify(lock));
    const r = await jidoka(repo, ['doctor']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^! lock +stale lock: \\.jidoka/daemon\\.lock names pid ${pid}`, 'm'),
    );
    const { report } = await doctorJson(repo);
    expect(byId(report, 'lock')).toMatchObject({ status: 'warn', details: { pid, stale: true } });

    writeFileSync(join(repo, '.jidoka', 'daemon.lock'), JSON.stringify({ ...lock, pid: process.pid }));
    const live = await doctorJson(repo);
    expect(byId(live.report, 'lock')).toMatchObject({
      status: 'ok',
      message: expect.stringContaining(`pid ${process.pid}`),
    });
  });

  it('finds orphaned worktree folders and registered worktrees whose folder is gone', async () => {
    const repo = await initRepo(commandConfig());
    await git(repo, 'worktree', 'add', '-q', '-b', 'jidoka/kept', join(repo, '.jidoka/worktrees/kept'));
    await git(repo, 'worktree', 'add', '-q', '-b', 'jidoka/gone', join(repo, '.jidoka/worktrees/gone'));
    const { rmSync } = await import('node:fs');
    rmSync(join(repo, '.jidoka/worktrees/gone'), { recursive: true, force: true });
    mkdirSync(join(repo, '.jidoka/worktrees/stray'), { recursive: true });
    const r = await jidoka(repo, ['doctor']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^! worktrees +not known to git \(orphaned\): \.jidoka\/worktrees\/stray$/m);
    expect(r.stdout).toMatch(/registered but missing on disk: .*\.jidoka\/worktrees\/gone/);
    expect(r.stdout).toContain('git worktree prune');
    const { report } = await doctorJson(repo);
    expect(byId(report, 'worktrees')?.details).toMatchObject({ orphaned: ['.jidoka/worktrees/stray'] });
  });

  it('fails outside a git repository without crashing', async () => {
    const dir = tempDir();
    const { code, report } = await doctorJson(dir);
    expect(code).toBe(1);
    expect(byId(report, 'repo')).toMatchObject({
      status: 'fail',
      message: `${dir} is not inside a git repository`,
    });
    expect(byId(report, 'git')?.status).toBe('ok');
  });

  it('warns when .jidoka/ is not gitignored', async () => {
    const repo = await initRepo(commandConfig());
    writeFileSync(join(repo, '.gitignore'), 'node_modules/\n');
    const { code, report } = await doctorJson(repo);
    expect(code).toBe(0);
    expect(byId(report, 'gitignore')?.status).toBe('warn');
  });
});
