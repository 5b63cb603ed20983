import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { jidokaPaths } from '../core/paths.js';
import { hooksForScratch } from '../git/pin.js';
import { assertSandboxReady, bwrapStatus } from './bwrap.js';
import { bwrapCommand } from './bwrap-args.js';
import { stepMounts } from './mounts.js';
import { checkWritable } from './writable.js';

/**
 * The user's own hooks (the copy pinned at approval) run in Jidoka's git on
 * a checkout that holds the maker's code: a pre-commit hook that runs the
 * linter or the tests runs what the maker wrote. So, like the checks, each
 * hook runs in the maker's sandbox: the checkout and a temp dir writable,
 * the git directory, Jidoka's state and everything else read-only, a PID
 * namespace. Jidoka's git gets `core.hooksPath` = a folder of wrappers, one
 * per pinned hook, each `exec bwrap … -- <pinned hook> "$@"` with the mounts
 * worked out here, so git runs them as it always does (arguments, stdin,
 * output, exit code). A hook that writes git state (lint-staged re-staging,
 * a commit-msg hook editing the message file in the git dir) fails inside:
 * the same rights as the maker, who cannot write git state either.
 */
export function sandboxedHooks(opts: {
  /** `none`: the pinned hooks as they are, unsandboxed (what `sandbox: none` gives up). */
  mode: 'bwrap' | 'none';
  /** The pinned hooks (pin.ts). */
  hooksDir: string;
  /** Where the wrappers go, out of every step's reach (under `.jidoka/state`). */
  dest: string;
  /** The checkout the hooks run in: writable, as for the checks. */
  checkout: string;
  /** The hooks' TMPDIR. */
  tmpDir: string;
  /** `sandbox.writable` (global). */
  writable?: readonly string[];
}): string {
  if (opts.mode === 'none') return opts.hooksDir;
  assertSandboxReady('bwrap');
  const bwrap = (bwrapStatus() as { path: string }).path;
  rmSync(opts.dest, { recursive: true, force: true });
  mkdirSync(opts.dest, { recursive: true });
  const { mounts } = stepMounts(checkWritable(opts.checkout, opts.tmpDir, opts.writable), opts.checkout);
  for (const name of existsSync(opts.hooksDir) ? readdirSync(opts.hooksDir) : []) {
    const hook = join(opts.hooksDir, name);
    if (!isExecutableFile(hook)) continue;
    const argv = bwrapCommand({ mounts, cwd: opts.checkout }, hook, []);
    const wrapper = join(opts.dest, name);
    writeFileSync(
      wrapper,
      `#!/bin/sh\n# Jidoka: the hook pinned at approval, run in the maker's sandbox (src/sandbox/hooks.ts).\nTMPDIR=${sh(opts.tmpDir)} exec ${[bwrap, ...argv].map(sh).join(' ')} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
  }
  return opts.dest;
}

/** The pinned hooks as Jidoka's git runs them in `checkout`: through sandbox wrappers (src/sandbox/hooks.ts) unless `sandbox: none`. */
export function hooksInSandbox(root: string, config: Config, planId: string, checkout: string): string {
  // One folder per checkout: the plan's worktree and its merge scratch worktree must not share wrappers.
  const name = `${planId}-${createHash('sha1').update(checkout).digest('hex').slice(0, 8)}`;
  return sandboxedHooks({
    mode: config.sandbox.mode,
    hooksDir: hooksForScratch(root, planId, checkout),
    dest: join(jidokaPaths(root).state, 'hooks', name),
    checkout,
    tmpDir: join(jidokaPaths(root).tmp, 'hook-tmp', name),
    writable: config.sandbox.writable,
  });
}

function isExecutableFile(path: string): boolean {
  try {
    const s = statSync(path);
    return s.isFile() && (s.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function sh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
