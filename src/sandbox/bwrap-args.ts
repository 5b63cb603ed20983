/**
 * The bubblewrap command line for one sandboxed step, built from what it may
 * write and what must stay read-only inside that. Pure: no file system, no
 * processes (mounts.ts decides the paths, bwrap.ts runs it).
 *
 * The whole disk is bound read-only, then each mount below is applied in
 * order of depth (bwrap applies binds in order, so the deepest bind of a path
 * decides): a read-only path inside a writable one (the git directory inside
 * a checkout, Jidoka's state inside the repository) stays read-only, and the
 * step directory inside the read-only `.jidoka` is writable again.
 */
export interface Mount {
  path: string;
  writable: boolean;
  /** Not readable either: an empty tmpfs over it (a secret on the disk, e.g. the daemon's signing key). */
  hidden?: boolean;
}

export interface BwrapSpec {
  mounts: Mount[];
  /** The process's working directory inside the sandbox. */
  cwd: string;
  /** bwrap writes its child's pid and PID namespace here as JSON (`--info-fd`): how the runner waits for the teardown. */
  infoFd?: number;
}

/** The options before `--`: file system, PID namespace, session, cwd. The network stays: CLIs need their API. */
export function bwrapArgs(spec: BwrapSpec): string[] {
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  for (const m of orderMounts(spec.mounts))
    if (m.hidden) args.push('--tmpfs', m.path, '--remount-ro', m.path);
    else args.push(m.writable ? '--bind' : '--ro-bind', m.path, m.path);
  args.push(
    // Every process of the step lives in a new PID namespace whose init dies with bwrap:
    // however a child detaches (setsid, double fork), it ends with the step.
    '--unshare-pid',
    '--die-with-parent',
    // A new session: no TIOCSTI, the sandbox cannot type into Jidoka's terminal.
    '--new-session',
    // Run as root, bwrap would keep every capability (enough to remount / writable); none is needed.
    '--cap-drop',
    'ALL',
    ...(spec.infoFd === undefined ? [] : ['--info-fd', String(spec.infoFd)]),
    '--chdir',
    spec.cwd,
  );
  return args;
}

/** The full argv: bwrap's options, then the command. */
export function bwrapCommand(spec: BwrapSpec, file: string, args: string[]): string[] {
  return [...bwrapArgs(spec), '--', file, ...args];
}

/**
 * Mounts sorted parents first (the deepest bind of a path wins), a path
 * named twice counted once, read-only if either says so, hidden if either does.
 */
export function orderMounts(mounts: Mount[]): Mount[] {
  const byPath = new Map<string, Mount>();
  for (const m of mounts) {
    const path = m.path.length > 1 ? m.path.replace(/\/+$/, '') : m.path;
    const seen = byPath.get(path);
    const hidden = m.hidden || seen?.hidden;
    byPath.set(path, {
      path,
      writable: !hidden && m.writable && (seen?.writable ?? true),
      ...(hidden ? { hidden } : {}),
    });
  }
  return [...byPath.values()].sort((a, b) => depth(a.path) - depth(b.path) || a.path.localeCompare(b.path));
}

function depth(path: string): number {
  return path.split('/').filter(Boolean).length;
}
