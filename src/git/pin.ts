import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { writeJsonAtomic } from '../core/atomic-write.js';
import { jidokaPaths } from '../core/paths.js';
import { distrustCheckout, runGit, runGitSync } from './run.js';

/**
 * Jidoka's own git on a plan's work runs with the git configuration and
 * hooks the repository had when a human approved the plan (DESIGN.md,
 * "Isolation"). At approval the effective configuration (every scope git
 * reads, includes resolved) is written down and the hooks git would run are
 * copied, both into `.jidoka/state/pins/<plan>/`, out of every step's reach.
 * When the plan runs:
 *
 * - hooks run from that copy (`core.hooksPath`, see pinHooks in run.ts): a
 *   hook added or edited since, in `.git/hooks` or in a `core.hooksPath`
 *   folder inside the checkout where the maker writes, runs nothing; the
 *   user's own hooks that were there at approval still run (they are gates);
 * - the configuration is compared with the approved one before the plan's
 *   first git command, and any key added, removed or changed since
 *   (fsmonitor, filters, diff drivers, aliases, includes, ssh command, a
 *   worktree's own config) refuses the run: config cannot be pinned by copy,
 *   since git always reads the repository's own file.
 */
export interface GitPin {
  /** `scope key=value`, sorted: the effective configuration (no `command` scope: that is Jidoka's own `-c`). */
  config: string[];
}

function pinDir(root: string, planId: string): string {
  return join(jidokaPaths(root).state, 'pins', planId);
}

/** The pinned copy of the hooks: what `core.hooksPath` points at while the plan runs. */
export function pinnedHooksDir(root: string, planId: string): string {
  return join(pinDir(root, planId), 'hooks');
}

/** At approval: write down the configuration and copy the hooks (sync: `jidoka plan approve` is a short command). */
export function recordGitPin(root: string, planId: string): void {
  const dir = pinDir(root, planId);
  rmSync(dir, { recursive: true, force: true });
  copyHooks(root, pinnedHooksDir(root, planId));
  const pin: GitPin = { config: parseConfigList(runGitSync(root, CONFIG_LIST)) };
  writeJsonAtomic(join(dir, 'config.json'), pin);
}

/** Copy the hooks git would run in the checkout `root` now into `dest` (made afresh). */
export function copyHooks(root: string, dest: string): void {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const source = hooksSource(root, runGitSync(root, ['rev-parse', '--git-path', 'hooks']).trim());
  if (isDir(source)) cpSync(source, dest, { recursive: true, dereference: true, filter: notSample });
}

/**
 * The hooks a scratch checkout of the plan's work (the merge queue's merged
 * tree) runs: the copy pinned at approval; for a plan approved before pins
 * existed, a copy of the main checkout's hooks as they are now, so a hooks
 * folder inside the checkout runs the user's version, never the plan's.
 */
export function hooksForScratch(root: string, planId: string, scratch: string): string {
  const pinned = pinnedHooksDir(root, planId);
  if (existsSync(pinned)) return pinned;
  const dest = join(
    jidokaPaths(root).tmp,
    'hooks',
    `${planId}-${createHash('sha1').update(scratch).digest('hex').slice(0, 8)}`,
  );
  copyHooks(root, dest);
  return dest;
}

export function readGitPin(root: string, planId: string): GitPin | undefined {
  try {
    return JSON.parse(readFileSync(join(pinDir(root, planId), 'config.json'), 'utf8')) as GitPin;
  } catch {
    return undefined;
  }
}

/**
 * What differs between the approved configuration and the one git reads in
 * `dir` now, as `<scope> <key> (added|removed|changed)`; a missing pin (a
 * plan approved by an older Jidoka) is one entry saying so.
 */
export async function gitPinChanges(root: string, planId: string, dir: string): Promise<string[]> {
  const pin = readGitPin(root, planId);
  if (!pin || !existsSync(pinnedHooksDir(root, planId)))
    return ['no record of the git configuration and hooks at approval'];
  return diffConfig(pin.config, await effectiveConfig(dir));
}

/** The effective configuration in `dir`, as recorded in a pin. Runs no hook, filter or fsmonitor. */
export async function effectiveConfig(dir: string): Promise<string[]> {
  return parseConfigList(await runGit(dir, CONFIG_LIST));
}

const CONFIG_LIST = ['config', '--list', '--show-scope', '-z'];

/**
 * The configuration changed under a run (an agent planted it; the line is
 * stopping): every further git Jidoka runs in `checkout` (the diff for the
 * incident, preserving the work, a rollback) runs with each filter, diff
 * driver and merge driver the configuration now names switched off, so
 * nothing planted runs while the line stops. Files are then read and
 * written byte for byte as git stores them.
 */
export async function neutralizeConfig(checkout: string): Promise<void> {
  const out = await runGit(checkout, [
    'config',
    '--name-only',
    '--get-regexp',
    '^(filter|diff|merge)\\.',
  ]).catch(() => '');
  const off = new Set<string>();
  for (const key of out.split('\n')) {
    const m = /^(filter|diff|merge)\.(.+)\.[^.]+$/.exec(key);
    if (!m) continue;
    const [, kind, name] = m;
    const keys = { filter: ['clean', 'smudge', 'process'], diff: ['command', 'textconv'], merge: ['driver'] }[
      kind as 'filter' | 'diff' | 'merge'
    ];
    for (const k of keys) off.add(`${kind}.${name}.${k}=`);
    if (kind === 'filter') off.add(`filter.${name}.required=false`);
  }
  distrustCheckout(
    checkout,
    ['diff.external=', ...off].flatMap((o) => ['-c', o]),
  );
}

/** `git config --list --show-scope -z`: `scope NUL key LF value NUL`, repeated. */
export function parseConfigList(out: string): string[] {
  const parts = out.split('\0');
  const lines: string[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const scope = parts[i] as string;
    const [key, ...value] = (parts[i + 1] as string).split('\n');
    if (scope !== 'command') lines.push(`${scope} ${key}=${value.join('\n')}`);
  }
  return lines.sort();
}

/** Keys (with scope) added, removed or changed between two configuration lists. */
export function diffConfig(pinned: readonly string[], now: readonly string[]): string[] {
  const group = (lines: readonly string[]) => {
    const m = new Map<string, string[]>();
    for (const l of lines) {
      const key = l.slice(0, l.indexOf('='));
      m.set(key, [...(m.get(key) ?? []), l]);
    }
    return m;
  };
  const a = group(pinned);
  const b = group(now);
  const out: string[] = [];
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w) out.push(`${k} (removed)`);
    else if (v.join('\0') !== w.join('\0')) out.push(`${k} (changed)`);
  }
  for (const k of b.keys()) if (!a.has(k)) out.push(`${k} (added)`);
  return out.sort();
}

/** A relative `core.hooksPath` is relative to the checkout's top, as git runs it. */
function hooksSource(root: string, path: string): string {
  return isAbsolute(path) ? path : resolve(root, path);
}

/** git's sample hooks never run; they are not copied. */
function notSample(src: string): boolean {
  return !src.endsWith('.sample');
}

function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory() || statSync(path).isDirectory();
  } catch {
    return false;
  }
}
