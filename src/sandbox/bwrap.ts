import { spawnSync } from 'node:child_process';
import { JidokaError } from '../core/errors.js';
import { resolveExecutable } from '../doctor/which.js';
import { bwrapCommand } from './bwrap-args.js';
import { stepMounts } from './mounts.js';

/**
 * Whether bubblewrap is here and works, asked once per process (a probe run
 * of `bwrap --ro-bind / / true` costs a few ms), and the one call that turns
 * a command into its sandboxed form.
 */
export type SandboxMode = 'bwrap' | 'none';

export const BWRAP_INSTALL =
  'install bubblewrap (Debian/Ubuntu: `sudo apt-get install -y bubblewrap`; Fedora: `sudo dnf install bubblewrap`; Arch: `sudo pacman -S bubblewrap`)';
export const MODE_NONE_GIVES_UP =
  "agents and checks run with all your rights: they can write the main checkout, move refs, add git hooks and edit Jidoka's state, and a process an agent detached from its group can outlive its step; only the checks after each step stand between them and the repository";

export type BwrapStatus = { ok: true; path: string } | { ok: false; problem: string };

let cached: BwrapStatus | undefined;

export function bwrapStatus(opts: { path?: string; fresh?: boolean } = {}): BwrapStatus {
  if (cached && !opts.fresh && opts.path === undefined) return cached;
  const status = probe(opts.path);
  if (opts.path === undefined) cached = status;
  return status;
}

function probe(pathVar: string | undefined): BwrapStatus {
  const path = resolveExecutable('bwrap', { cwd: '/', path: pathVar });
  if (!path) return { ok: false, problem: 'bwrap (bubblewrap) is not installed or not on PATH' };
  const r = spawnSync(path, ['--ro-bind', '/', '/', '--unshare-pid', '--die-with-parent', 'true'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (r.status === 0) return { ok: true, path };
  const why = (r.stderr || r.error?.message || `exit ${r.status ?? r.signal}`).trim();
  return {
    ok: false,
    problem: `${path} does not work here (${why}); unprivileged user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone=1, or AppArmor's restriction on Ubuntu 24.04+)`,
  };
}

/**
 * Throws, with the fix, when `mode` asks for bwrap and bwrap cannot run.
 * The runner calls it before every sandboxed step; `jidoka run` and the
 * daemon should call it before they start the line.
 */
export function assertSandboxReady(mode: SandboxMode): void {
  if (mode === 'none') return;
  const s = bwrapStatus();
  if (s.ok) return;
  throw new JidokaError(`the sandbox is not ready: ${s.problem}`, {
    exitCode: 1,
    hint: `${BWRAP_INSTALL}, or set \`sandbox: { mode: none }\` in jidoka.yaml on purpose (then ${MODE_NONE_GIVES_UP})`,
    where: { key: 'sandbox.mode' },
  });
}

/** What the runner needs to sandbox a step: the paths it may write. */
export interface SandboxRequest {
  writable: string[];
}

export interface SandboxedCommand {
  file: string;
  args: string[];
  /** The real paths the step could write (for its record). */
  writable: string[];
}

/**
 * The file descriptor the runner opens as a pipe for bwrap's `--info-fd`:
 * bwrap writes `{"child-pid": …, "pid-namespace": …}` there.
 */
export const INFO_FD = 3;

/** `file args…` (or a shell command line) as a bwrap command; throws when bwrap is not ready. */
export function sandboxCommand(
  req: SandboxRequest,
  cmd: { file: string; args: string[]; shell: boolean; cwd: string },
): SandboxedCommand {
  assertSandboxReady('bwrap');
  const status = bwrapStatus() as { ok: true; path: string };
  const { mounts, writable } = stepMounts(req.writable, cmd.cwd);
  const inner = cmd.shell ? { file: '/bin/sh', args: ['-c', cmd.file] } : cmd;
  const argv = bwrapCommand({ mounts, cwd: cmd.cwd, infoFd: INFO_FD }, inner.file, inner.args);
  return { file: status.path, args: argv, writable };
}
