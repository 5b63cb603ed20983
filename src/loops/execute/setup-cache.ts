import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../../config/schema.js';
import { writeJsonAtomic } from '../../core/atomic-write.js';
import { jidokaPaths } from '../../core/paths.js';
import type { CheckSpec } from '../checks.js';

/**
 * The installs that `worktree.setup` produced, kept per manifest digest in
 * `.jidoka/cache/setup/<key>/` so the next worktree with the same lockfiles
 * gets a copy instead of a fresh `npm ci` (`worktree.reuse` names what setup
 * produces: `node_modules`).
 *
 * Safe against a hostile maker because nothing is ever shared: the cache is
 * filled only from a worktree Jidoka has just made, before any agent step,
 * and only by Jidoka; it lies out of every sandbox's writable paths; and a
 * worktree gets a copy (`cp -a --reflink=auto`: copy-on-write where the file
 * system can, a full copy elsewhere), never a symlink or hard link, so what a
 * maker writes into its install changes neither main's install nor the cache.
 * The copy into a worktree runs sandboxed like a check, so a path the maker
 * turned into a symlink out of its worktree cannot aim it elsewhere.
 */

/** Entries kept; older ones are removed when a new one is stored (each is a whole install). */
const KEEP = 3;

/** The cache key: the manifests, the setup commands, what is reused, and the node and platform the install was made with. */
export function setupKey(digest: string, config: Config): string {
  const { setup, reuse } = config.worktree;
  const what = {
    digest,
    setup,
    reuse,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
  };
  return createHash('sha1').update(JSON.stringify(what)).digest('hex');
}

function cacheRoot(root: string): string {
  return join(jidokaPaths(root).cache, 'setup');
}

/** The cache entry for `key` when one is complete (entries appear by rename, never half-written). */
export function cachedInstall(root: string, key: string): string | undefined {
  const dir = join(cacheRoot(root), key);
  return existsSync(join(dir, 'entry.json')) ? dir : undefined;
}

/** `worktree.reuse`, normalized (the schema keeps each inside the worktree). */
export function reusePaths(config: Config): string[] {
  return config.worktree.reuse.map((p) => normalize(p).replace(/\/+$/, ''));
}

/**
 * The check that copies a cache entry into the worktree, run through the
 * checks' runner (sandboxed: it can write only the worktree). Each reused
 * path is removed first, so the copy is the cache's exactly.
 */
export function restoreSpec(entry: string, paths: string[], timeoutMs: number): CheckSpec {
  const steps = paths.flatMap((p) => [
    `rm -rf -- ${sh(p)}`,
    `mkdir -p -- ${sh(dirname(p))}`,
    `cp -a --reflink=auto -- ${sh(join(entry, 'files', p))} ${sh(p)}`,
  ]);
  return { name: `setup: reuse ${paths.join(', ')}`, command: steps.join(' && '), timeoutMs };
}

/**
 * After setup passed in a worktree no agent has touched: copy the reused
 * paths into a new entry (outside any sandbox; the source is Jidoka's own
 * fresh install). A path setup did not produce means nothing is stored.
 * Returns the entry, or why none was stored.
 */
export async function storeInstall(
  root: string,
  key: string,
  worktree: string,
  paths: string[],
): Promise<{ entry?: string; skipped?: string }> {
  const missing = paths.filter((p) => !existsSync(join(worktree, p)));
  if (missing.length) return { skipped: `setup did not produce ${missing.join(', ')}` };
  const base = cacheRoot(root);
  const final = join(base, key);
  if (cachedInstall(root, key)) return { entry: final };
  const tmp = join(base, `.tmp-${key}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    for (const p of paths) {
      mkdirSync(dirname(join(tmp, 'files', p)), { recursive: true });
      await copyTree(join(worktree, p), join(tmp, 'files', p));
    }
    writeJsonAtomic(join(tmp, 'entry.json'), { key, paths, storedAt: new Date().toISOString() });
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    return { skipped: `could not store the install: ${(err as Error).message}` };
  }
  prune(base, key);
  return { entry: final };
}

const exec = promisify(execFile);

/** `cp -a`: symlinks stay symlinks (npm's `.bin` links), modes and times kept; copy-on-write where the file system can. */
async function copyTree(from: string, to: string): Promise<void> {
  await exec('cp', ['-a', '--reflink=auto', '--', from, to], { maxBuffer: 16 * 1024 * 1024 });
}

/** Keep the newest entries; the one just stored always stays. */
function prune(base: string, keep: string): void {
  const entries = readdirSync(base)
    .filter((n) => !n.startsWith('.'))
    .map((n) => ({ n, t: statSync(join(base, n)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { n } of entries.slice(KEEP))
    if (n !== keep) rmSync(join(base, n), { recursive: true, force: true });
}

/** Single-quoted for sh. */
function sh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
