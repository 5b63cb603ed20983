import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { finding } from '../../andon/finding.js';
import type { Config } from '../../config/schema.js';
import type { Finding } from '../../core/types.js';
import { gitAt } from '../../git/repo.js';
import { checkSpecs, failingOutput, runChecks } from '../checks.js';
import { type RunRecord, recordStep, stepDir } from '../run-record.js';

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
 * Run the setup commands in the worktree; a finding (env_tooling, red) when
 * one fails. `reason` says why it runs (a new worktree, a changed lockfile).
 */
export async function runSetup(opts: {
  config: Config;
  worktree: string;
  run: RunRecord;
  chunk: number;
  attempt: number;
  reason: string;
  signal?: AbortSignal;
}): Promise<Finding | undefined> {
  const { config } = opts;
  const dir = stepDir(opts.run, 'setup', opts.chunk, opts.attempt);
  const started = Date.now();
  const results = await runChecks({
    cwd: opts.worktree,
    specs: checkSpecs(config.worktree.setup, config.limits.checkTimeout).map((s) => ({
      ...s,
      name: `setup: ${s.name}`,
    })),
    stepDir: dir,
    maxOutputBytes: config.limits.maxOutputBytes,
    sandbox: config.sandbox,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const failed = results.filter((r) => !r.passed);
  recordStep(opts.run, {
    name: 'setup',
    chunk: opts.chunk,
    attempt: opts.attempt,
    dir,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    outcome: failed.length ? 'failed' : 'passed',
    detail: {
      reason: opts.reason,
      commands: results.map((r) => ({ command: r.command, exitCode: r.exitCode })),
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
