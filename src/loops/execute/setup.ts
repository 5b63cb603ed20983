import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { finding } from '../../andon/finding.js';
import type { Config } from '../../config/schema.js';
import type { Finding } from '../../core/types.js';
import { gitAt } from '../../git/repo.js';
import { type CheckSpec, checkSpecs, failingOutput, runChecks } from '../checks.js';
import { type RunRecord, recordStep, stepDir } from '../run-record.js';
import { cachedInstall, restoreSpec, reusePaths, setupKey, storeInstall } from './setup-cache.js';

/**
 * Worktree setup (`worktree.setup` in jidoka.yaml): the commands that make a
 * fresh worktree ready for the checks (`npm ci`, `pip install …`), run by
 * Jidoka through the same runner as the checks, when the worktree is new and
 * again whenever a dependency manifest or lockfile changed. A failing setup
 * stops the line as env_tooling: the environment is broken, not the agent.
 */

/** File names whose change means the installed dependencies may be stale. */
const MANIFESTS = new Set([
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'pyproject.toml',
  'poetry.lock',
  'Pipfile',
  'Pipfile.lock',
  'uv.lock',
  'go.mod',
  'go.sum',
  'Cargo.toml',
  'Cargo.lock',
  'Gemfile',
  'Gemfile.lock',
  'composer.json',
  'composer.lock',
]);

export function isManifest(path: string): boolean {
  const name = basename(path);
  return MANIFESTS.has(name) || /^requirements.*\.txt$/.test(name);
}

/**
 * A digest of every dependency manifest in the worktree (tracked or new, not
 * ignored), so one git call and a few reads tell whether setup must run again.
 */
export async function manifestDigest(worktree: string): Promise<string> {
  const files = (await gitAt(worktree).raw(['ls-files', '-z', '--cached', '--others', '--exclude-standard']))
    .split('\0')
    .filter((p) => p && isManifest(p))
    .sort();
  const hash = createHash('sha1');
  for (const f of files) {
    hash.update(`${f}\0`);
    hash.update(await readFile(join(worktree, f)).catch(() => Buffer.from('(unreadable)')));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * Make the worktree ready: copy the install from the cache when one was
 * stored for these manifests (setup-cache.ts), otherwise run the setup
 * commands, and store their install for the next worktree when `fresh` (a
 * worktree Jidoka just made, before any agent step). A finding (env_tooling,
 * red) when setup fails. `reason` says why it runs (a new worktree, a
 * changed lockfile); `step` names the run record's step.
 */
export async function runSetup(opts: {
  config: Config;
  root: string;
  worktree: string;
  run: RunRecord;
  chunk: number;
  attempt: number;
  reason: string;
  fresh?: boolean;
  step?: string;
  digest?: string;
  signal?: AbortSignal;
}): Promise<Finding | undefined> {
  const { config } = opts;
  const dir = stepDir(opts.run, opts.step ?? 'setup', opts.chunk, opts.attempt);
  const started = Date.now();
  const paths = reusePaths(config);
  const key = paths.length
    ? setupKey(opts.digest ?? (await manifestDigest(opts.worktree)), config)
    : undefined;
  const entry = key ? cachedInstall(opts.root, key) : undefined;
  const run = (specs: CheckSpec[]) =>
    runChecks({
      cwd: opts.worktree,
      specs,
      stepDir: dir,
      maxOutputBytes: config.limits.maxOutputBytes,
      sandbox: config.sandbox,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  // A failed copy (the cache removed meanwhile, a full disk) falls back to the setup commands.
  const restored = entry ? await run([restoreSpec(entry, paths, config.limits.checkTimeout)]) : [];
  const reused = restored.length > 0 && restored.every((r) => r.passed);
  const results = reused
    ? restored
    : await run(
        checkSpecs(config.worktree.setup, config.limits.checkTimeout).map((s) => ({
          ...s,
          name: `setup: ${s.name}`,
        })),
      );
  const failed = results.filter((r) => !r.passed);
  const stored =
    key && !reused && !failed.length && opts.fresh && !opts.signal?.aborted
      ? await storeInstall(opts.root, key, opts.worktree, paths)
      : undefined;
  recordStep(opts.run, {
    name: opts.step ?? 'setup',
    chunk: opts.chunk,
    attempt: opts.attempt,
    dir,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    outcome: failed.length ? 'failed' : 'passed',
    detail: {
      reason: opts.reason,
      commands: [...(reused ? [] : restored), ...results].map((r) => ({
        command: r.command,
        exitCode: r.exitCode,
      })),
      ...(key ? { key } : {}),
      ...(reused ? { reused: paths } : {}),
      ...(stored?.entry ? { stored: paths } : {}),
      ...(stored?.skipped ? { notStored: stored.skipped } : {}),
    },
  });
  if (!failed.length || opts.signal?.aborted) return undefined;
  return finding(
    'worktree_setup',
    'env_tooling',
    `worktree setup failed (${opts.reason}): ${failed.map((r) => `\`${r.command}\` exited ${r.exitCode ?? r.signal}`).join(', ')}; fix the environment or worktree.setup in jidoka.yaml`,
    { reason: opts.reason, output: failingOutput(results, config.limits.maxLogExcerptBytes) },
  );
}
