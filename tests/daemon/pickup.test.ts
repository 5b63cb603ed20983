import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fillWhysText } from '../andon/helpers.js';
import { approve, met, setupLine, write } from '../support/line.js';
import { git, runCli } from '../support/repo.js';
import {
  agentCalls,
  type DaemonProcess,
  killDaemon,
  oneChunkPlan,
  planState,
  planStatus,
  sleep,
  spawnDaemon,
  waitFor,
} from './daemon-process.js';

let daemon: DaemonProcess | undefined;
afterEach(async () => {
  await killDaemon(daemon);
  daemon = undefined;
});

const A = write('src/a.js', 'module.exports = "a";\n');

describe('the daemon picks up work with no human command', () => {
  it('runs a plan written into plans/ and approved after it started, to done', {
    timeout: 120_000,
  }, async () => {
    const { root, scriptFile } = setupLine({
      script: { maker: [[A]], checker: [[approve('a ok')]], goal: [[met('a loads')]] },
    });
    daemon = spawnDaemon(root);
    await daemon.waitForLog(/^daemon: watching /);

    // A file that merely claims approval is not run: no human approved its content.
    writeFileSync(join(root, 'plans', 'claims.md'), oneChunkPlan('claims', 'approved', 'c'));
    await daemon.waitForLog(/plan claims says status: approved, but no human approved this content/);

    writeFileSync(join(root, 'plans', 'late.md'), oneChunkPlan('late', 'proposed'));
    const approved = runCli(root, ['plan', 'approve', 'late']);
    expect(approved.code, approved.stderr + daemon.stderr()).toBe(0);
    await waitFor(
      () => planStatus(root, 'late') === 'done',
      90_000,
      'plan late to be done',
      () => daemon!.stderr(),
    );
    expect(planState(root, 'late')?.status, daemon.stderr()).toBe('done');
    expect(git(root, 'log', '--format=%s', 'main..jidoka/late')).toBe('jidoka(late): chunk 1/1: Module a');
    expect(git(root, 'show', 'jidoka/late:src/a.js')).toBe('module.exports = "a";');
    await daemon.waitForLog(/^daemon: plan late: plan late is done/);
    // Only the approved plan ran: one maker, one checker, one goal call.
    expect(agentCalls(scriptFile), daemon.stderr()).toEqual({ maker: 1, checker: 1, goal: 1 });
    expect(planStatus(root, 'two-chunks')).toBe('proposed');
    expect(planStatus(root, 'claims')).toBe('approved');

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });

  it('merges a low-risk plan itself with merge.mode: auto, and the moved main starts the docs loop', {
    timeout: 120_000,
  }, async () => {
    const { root } = setupLine({
      script: { maker: [[A]], checker: [[approve()]], goal: [[met()]] },
      plan: oneChunkPlan('auto', 'proposed'),
      planId: 'auto',
      extraConfig: { merge: { mode: 'auto' } },
    });
    const before = git(root, 'rev-parse', 'main');
    expect(runCli(root, ['plan', 'approve', 'auto']).code).toBe(0);
    daemon = spawnDaemon(root);
    await daemon.waitForLog(
      /^daemon: plan auto merged automatically \(merge\.mode: auto, risk: low\)/,
      90_000,
    );
    expect(git(root, 'log', '--format=%s', `${before}..main`).split('\n')).toEqual([
      'Merge jidoka/auto: Add module a',
      'jidoka(auto): chunk 1/1: Module a',
    ]);
    expect(readFileSync(join(root, 'src/a.js'), 'utf8')).toBe('module.exports = "a";\n');
    await daemon.waitForLog(/^daemon: docs sync \(main moved\)$/);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });

  it('starts nothing while the line is stopped, and picks the work up after andon resolve', {
    timeout: 120_000,
  }, async () => {
    const { root, scriptFile } = setupLine({
      script: { maker: [[A]], checker: [[approve()]], goal: [[met()]] },
      plan: oneChunkPlan('held', 'proposed'),
      planId: 'held',
    });
    const pulled = runCli(root, ['andon', 'pull', '--reason', 'a person stopped the line to look', '--json']);
    expect(pulled.code, pulled.stderr).toBe(0);
    const incident = JSON.parse(pulled.stdout) as { incident: string; file: string };

    daemon = spawnDaemon(root);
    await daemon.waitForLog(/^daemon: watching .*\(line stopped\)/);
    const approved = runCli(root, ['plan', 'approve', 'held']);
    expect(approved.code, approved.stderr).toBe(0);
    // The approval is seen (chokidar) and refused because the line is stopped.
    await daemon.waitForLog(/the line is stopped; no plan starts/);
    await sleep(1000);
    expect(agentCalls(scriptFile)).toEqual({});
    expect(planStatus(root, 'held')).toBe('approved');

    const page = join(root, incident.file);
    writeFileSync(page, fillWhysText(readFileSync(page, 'utf8')));
    const resolved = runCli(root, [
      'andon',
      'resolve',
      incident.incident,
      '--root-cause',
      'The person wanted to read the plan before it ran.',
      '--countermeasure',
      'Read plans before approving them.',
      '--level',
      'L1',
    ]);
    expect(resolved.code, resolved.stderr).toBe(0);
    await waitFor(
      () => planStatus(root, 'held') === 'done',
      90_000,
      'plan held to run once the line is running',
      () => daemon!.stderr(),
    );
    expect(git(root, 'log', '--format=%s', 'main..jidoka/held')).toBe('jidoka(held): chunk 1/1: Module a');
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });
});
