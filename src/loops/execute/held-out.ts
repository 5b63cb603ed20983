import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { finding } from '../../andon/finding.js';
import { namedInScope } from '../../andon/guards.js';
import { TEST_CONFIG_FILES } from '../../andon/patterns.js';
import { jidokaPaths } from '../../core/paths.js';
import type { CheckResult, FileChange, Finding } from '../../core/types.js';
import { gitAt } from '../../git/repo.js';
import { gitEnv, runGit } from '../../git/run.js';
import { addDetachedWorktree, removeWorktree } from '../../git/worktree.js';
import { failingOutput, runChecks } from '../checks.js';
import { recordStep, stepDir } from '../run-record.js';
import type { AttemptContext } from './attempt.js';
import { runSetup } from './setup.js';

export interface HeldOut {
  /** The checks as run on the candidate with the base's test files put back. */
  checks: CheckResult[];
  /** Red when a base test fails against the new code and no human approved changing that file. */
  finding?: Finding;
  /** The restored files the plan's scope names literally: failures there are evidence, not a stop. */
  approved: string[];
}

/**
 * Held-out base tests. When a chunk changed an existing test file (not only
 * added lines to it) or test configuration, the maker could have made a test
 * pass by changing what it checks. So the chunk checks run once more on the
 * candidate tree with those files restored to their content at the plan's
 * base, in a scratch worktree (never the plan's worktree): a base test that
 * fails against the new code is spec drift. Where the plan's scope names the
 * file literally, a human approved changing it, and the failures go to the
 * checker and `jidoka review` as evidence instead. A chunk that only adds
 * tests pays nothing here.
 */
export async function runHeldOut(
  ctx: AttemptContext,
  candidate: { tree: string; changes: FileChange[] },
): Promise<HeldOut | undefined> {
  const restored = heldOutFiles(candidate.changes, new Set(ctx.baseTestFiles));
  if (!restored.length) return undefined;
  const dir = stepDir(ctx.run, 'held-out', ctx.chunk.number, ctx.state.attempt);
  const scratch = join(
    jidokaPaths(ctx.root).tmp,
    `held-out-${ctx.plan.id}-${ctx.chunk.number}-${ctx.state.attempt}`,
  );
  const started = Date.now();
  const tree = await restoreAtBase(ctx, candidate.tree, restored, join(dir, 'index'));
  rmSync(scratch, { recursive: true, force: true });
  await addDetachedWorktree(ctx.root, scratch, ctx.state.chunkStartSha, { checkout: false });
  let checks: CheckResult[];
  try {
    await gitAt(scratch).raw(['read-tree', '-u', '--reset', tree]);
    // A fresh tree has no installed dependencies: set it up as the plan's worktree was.
    const unready = await setUpScratch(ctx, scratch);
    if (unready) return { checks: [], finding: unready, approved: [] };
    checks = await runChecks({
      cwd: scratch,
      specs: ctx.checkSpecs.filter((s) => !s.goal),
      stepDir: dir,
      maxOutputBytes: ctx.config.limits.maxOutputBytes,
      sandbox: ctx.config.sandbox,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } finally {
    if (!(await removeWorktree(ctx.root, scratch))) rmSync(scratch, { recursive: true, force: true });
  }
  const failed = checks.filter((c) => !c.passed);
  recordStep(ctx.run, {
    name: 'held-out',
    chunk: ctx.chunk.number,
    attempt: ctx.state.attempt,
    dir,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    outcome: failed.length ? 'failed' : 'passed',
    detail: { restored },
  });
  const named = namedInScope(ctx.plan.scope);
  const approved = restored.filter(named);
  const result: HeldOut = {
    checks: checks.map((c) => ({ ...c, name: `held-out base tests: ${c.name}`, heldOut: true as const })),
    approved,
  };
  if (failed.length && approved.length < restored.length)
    result.finding = finding(
      'spec_drift',
      'spec_drift',
      `the base's own tests fail against the new code: with ${restored.filter((f) => !named(f)).join(', ')} restored to the plan's base, ${failed.map((c) => `\`${c.command}\``).join(', ')} failed; the chunk changed what those tests demand`,
      { restored, output: failingOutput(checks, ctx.config.limits.maxLogExcerptBytes) },
      { action: 'rollback' },
    );
  return result;
}

/** `worktree.setup` in the scratch tree (from the install cache when its manifests match one); never stored: the tree holds the maker's code. */
function setUpScratch(ctx: AttemptContext, scratch: string): Promise<Finding | undefined> {
  if (!ctx.config.worktree.setup.length) return Promise.resolve(undefined);
  return runSetup({
    config: ctx.config,
    root: ctx.root,
    worktree: scratch,
    run: ctx.run,
    chunk: ctx.chunk.number,
    attempt: ctx.state.attempt,
    reason: 'the held-out run on a fresh tree',
    step: 'held-out-setup',
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
}

/** Existing test files whose lines were changed or removed (not only added to), and changed test config. */
export function heldOutFiles(changes: FileChange[], baseTests: Set<string>): string[] {
  const files = new Set<string>();
  for (const c of changes) {
    const before = c.oldPath ?? c.path;
    if (c.status === 'added' || c.status === 'deleted') continue;
    const edited = c.removedLines.length > 0 || c.status === 'typechange' || c.binary;
    if (baseTests.has(before) && edited) files.add(before);
    if (TEST_CONFIG_FILES.some((re) => re.test(before))) files.add(before);
  }
  return [...files];
}

/** The candidate tree with `paths` put back to their blobs at the plan's base, written through a private index. */
async function restoreAtBase(
  ctx: AttemptContext,
  tree: string,
  paths: string[],
  index: string,
): Promise<string> {
  mkdirSync(join(index, '..'), { recursive: true });
  const env = { ...gitEnv(), GIT_INDEX_FILE: index };
  await runGit(ctx.worktree, ['read-tree', tree], { env });
  // ls-tree -z prints "<mode> blob <sha>\t<path>\0", which is what update-index --index-info reads.
  const base = await runGit(ctx.worktree, [
    'ls-tree',
    '-z',
    ctx.state.baseSha,
    '--',
    ...paths.map((p) => `:(literal)${p}`),
  ]);
  await runGit(ctx.worktree, ['update-index', '-z', '--index-info'], { env, input: base });
  return (await runGit(ctx.worktree, ['write-tree'], { env })).trim();
}
