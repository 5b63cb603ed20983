import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { writeJsonAtomic } from '../../src/core/atomic-write.js';
import { recordGitPin } from '../../src/git/pin.js';
import { ensureWorktree } from '../../src/git/worktree.js';
import { queueStep } from '../../src/merge/queue.js';
import { oneChunkPlan } from '../daemon/daemon-process.js';
import { git, makeRepo, writeFiles } from '../support/repo.js';

/**
 * The merge queue's scratch worktree runs Jidoka's git with the hooks pinned
 * when the plan was approved: a hook the plan's own commits add to a
 * `core.hooksPath` folder inside the checkout runs nothing there, while the
 * user's hook from approval still runs.
 */

const hook = (marker: string, text: string) => `#!/bin/sh\nprintf '%s\\n' '${text}' >> '${marker}'\n`;

describe('the merge scratch worktree runs the approved hooks only', () => {
  it('a hook the plan added to the in-checkout hooks folder does not run in the merge; the approved one does', {
    timeout: 60_000,
  }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'jidoka-merge-hooks-'));
    const marker = join(out, 'hooks.log');
    const root = makeRepo({
      'README.md': '# demo\n',
      '.gitignore': '.jidoka/\n',
      // Hooks run in the maker's sandbox: the marker's folder is one it may write.
      'jidoka.yaml': stringify({ checks: ['node -e "process.exit(0)"'], sandbox: { writable: [out] } }),
      'plans/p1.md': oneChunkPlan('p1', 'done', 'p1'),
      '.githooks/post-merge': hook(marker, 'approved post-merge'),
    });
    chmodSync(join(root, '.githooks/post-merge'), 0o755);
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'hooks');
    git(root, 'config', 'core.hooksPath', '.githooks');
    recordGitPin(root, 'p1');

    // The plan's commit edits the approved hook and adds two more, all in the checkout's hooks folder.
    const wt = await ensureWorktree(root, 'p1', 'main');
    writeFiles(wt.path, {
      'src/p1.js': 'module.exports = 1;\n',
      '.githooks/post-merge': hook(marker, 'PLANTED post-merge'),
      '.githooks/pre-merge-commit': hook(marker, 'PLANTED pre-merge-commit'),
      '.githooks/post-checkout': hook(marker, 'PLANTED post-checkout'),
    });
    for (const h of ['post-merge', 'pre-merge-commit', 'post-checkout'])
      chmodSync(join(wt.path, '.githooks', h), 0o755);
    git(wt.path, '-c', 'core.hooksPath=/dev/null', 'add', '-A');
    git(wt.path, '-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'jidoka(p1): chunk 1/1');
    writeJsonAtomic(join(root, '.jidoka/state/plans/p1.json'), {
      plan: 'p1',
      status: 'done',
      branch: wt.branch,
      worktree: wt.path,
      baseSha: wt.baseSha,
      spend: { usd: 0, tokens: 0 },
      attempts: [],
      runIds: [],
    });
    const before = existsSync(marker) ? readFileSync(marker, 'utf8') : '';

    const r = await queueStep({
      root,
      config: loadConfig(root).config,
      planId: 'p1',
      by: 'test',
      move: false,
    });
    expect(r.kind).toBe('ready');
    const ran = (existsSync(marker) ? readFileSync(marker, 'utf8') : '').slice(before.length);
    expect(ran).not.toMatch(/PLANTED/);
    expect(ran).toMatch(/approved post-merge/);
  });
});
