import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setupLine } from '../support/line.js';
import { CLI, runCli } from '../support/repo.js';

/** `jidoka` as installed: package.json's bin, the bundle whose `status` skips commander. */
const BIN = join(CLI, '..', 'bin.cjs');

function bin(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('jidoka status, the fast start', () => {
  it('prints what the full CLI prints, with the same exit code, and sees a plan or incident edited since its last run', () => {
    const { root, planId } = setupLine({ script: {} });
    const same = () => {
      const fast = bin(root, ['status', '--json']);
      const full = runCli(root, ['status', '--json']);
      expect(fast.stderr).toBe('');
      expect(fast.code).toBe(full.code);
      expect(JSON.parse(fast.stdout)).toEqual(JSON.parse(full.stdout));
      return JSON.parse(fast.stdout);
    };
    expect(same().plans).toEqual({ proposed: 1 });
    // The cached facts follow the file's text.
    const file = join(root, 'plans', `${planId}.md`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('status: proposed', 'status: approved'));
    const s = same();
    expect(s.plans).toEqual({ approved: 1 });
    expect(s.queue.map((q: { id: string }) => q.id)).toEqual([planId]);
    // A stopped line: exit 1 from both, the incident listed from its page.
    expect(runCli(root, ['andon', 'pull', '--reason', 'a test stop']).code).toBe(0);
    const stopped = same();
    expect(stopped.andon.line.state).toBe('stopped');
    expect(stopped.andon.openIncidents).toHaveLength(1);
    expect(bin(root, ['status']).stdout).toContain('LINE STOPPED');
    // A changed jidoka.yaml is validated again (the bundle loads zod and yaml then), a bad one refused alike.
    const config = join(root, 'jidoka.yaml');
    const good = readFileSync(config, 'utf8');
    writeFileSync(config, good.replace('limits:\n', 'limits:\n  budgetUsdPerDay: 7\n'));
    expect(same().spend.limitUsdPerDay).toBe(7);
    writeFileSync(config, `${good}bogus: 1\n`);
    const fastBad = bin(root, ['status']);
    const fullBad = runCli(root, ['status']);
    expect(fastBad.code).toBe(2);
    expect(fastBad.code).toBe(fullBad.code);
    expect(fastBad.stderr).toContain('bogus: unknown key');
    expect(fastBad.stderr).toBe(fullBad.stderr);
    writeFileSync(config, good);
    // Anything else goes through the full CLI.
    expect(bin(root, ['status', '--bogus']).code).toBe(2);
    expect(bin(root, ['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
