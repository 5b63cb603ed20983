import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setupLine } from '../support/line.js';
import { git } from '../support/repo.js';
import {
  type DaemonProcess,
  killDaemon,
  oneChunkPlan,
  planStatus,
  spawnDaemon,
  waitFor,
} from './daemon-process.js';

let daemon: DaemonProcess | undefined;
afterEach(async () => {
  await killDaemon(daemon);
  daemon = undefined;
});

function ledger(root: string): { event: string; proposed?: string[] }[] {
  const f = join(root, '.jidoka/ledger.jsonl');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('daemon schedules', () => {
  it('runs the audit on its cron schedule (a seconds field), and only that', {
    timeout: 120_000,
  }, async () => {
    const proposals = mkdtempSync(join(tmpdir(), 'jidoka-proposals-'));
    writeFileSync(join(proposals, 'scheduled.md'), oneChunkPlan('scheduled', 'proposed'));
    const { root } = setupLine({
      script: { auditor: [[{ sh: `cp "${proposals}/scheduled.md" "$JIDOKA_PLANS_DIR/"` }]] },
      // Every second: node-cron 4 takes an optional leading seconds field.
      extraConfig: { schedule: { audit: '* * * * * *', docs: '' } },
    });
    daemon = spawnDaemon(root);
    await waitFor(
      () => ledger(root).some((e) => e.event === 'audit.finished'),
      60_000,
      'a scheduled audit to finish',
      daemon.stderr,
    );
    expect(daemon.messages()).toContainEqual('daemon: audit (schedule * * * * * *)');
    expect(ledger(root).find((e) => e.event === 'audit.finished')?.proposed).toEqual(['scheduled']);
    expect(planStatus(root, 'scheduled')).toBe('proposed');
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    // No docs schedule (""), so no docs run was ever queued.
    expect(daemon.messages().some((m) => /docs/.test(m))).toBe(false);
  });

  it('runs the documentation loop when the main branch moves', { timeout: 120_000 }, async () => {
    const { root } = setupLine({ script: {}, extraConfig: { schedule: { audit: '', docs: '' } } });
    daemon = spawnDaemon(root);
    await daemon.waitForLog(/^daemon: watching /);
    expect(daemon.messages().some((m) => /docs/.test(m))).toBe(false);
    writeFileSync(join(root, 'README.md'), '# demo, merged\n');
    git(root, 'commit', '-q', '-am', 'a merge lands on main');
    await daemon.waitForLog(/^daemon: docs sync \(main moved\)$/);
    // This repository has no wiki/, so the loop says why it did nothing.
    await daemon.waitForLog(
      /^docs: no wiki\/ folder \(run `jidoka init`\); the documentation loop was skipped$/,
    );
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });
});
