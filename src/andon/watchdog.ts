import { watch } from 'chokidar';

/**
 * The no-progress watchdog: trips once when the agent has neither changed a
 * file in the worktree nor printed anything for `noProgressMs`. File changes
 * come from chokidar; output times come from the runner (`lastOutputAt`,
 * e.g. RunHandle.lastActivityAt). The caller kills the agent's process group
 * in `onTrip` and records a `noProgress` finding.
 *
 * Ignored: `.git` (git's own bookkeeping is not progress), dependency and
 * cache directories (an install or a coverage run churns thousands of files
 * without the agent moving the task forward, and watching them is costly).
 */
export interface Watchdog {
  stop(): Promise<void>;
  /** Epoch ms of the last file change seen (the start time before any). */
  lastChangeAt(): number;
}

const IGNORED_DIRS = new Set([
  '.git',
  'node_modules',
  '.jidoka',
  '.venv',
  'venv',
  '__pycache__',
  '.pytest_cache',
  '.mypy_cache',
  '.ruff_cache',
  '.tox',
  'coverage',
  '.nyc_output',
  'dist',
  '.next',
  '.turbo',
  '.cache',
  'target',
]);

/**
 * Watch a worktree for file changes. The execution loop keeps one watcher per
 * plan for all its maker steps (a chokidar start costs more than a chunk's
 * git work); each step's watchdog reads `lastChangeAt` from it.
 */
export function watchWorktree(dir: string): { lastChangeAt(): number; close(): Promise<void> } {
  let lastChange = Date.now();
  const watcher = watch(dir, {
    ignoreInitial: true,
    persistent: true,
    ignored: (path: string) => {
      const rel = path.startsWith(dir) ? path.slice(dir.length) : path;
      return rel.split(/[\\/]/).some((part) => IGNORED_DIRS.has(part));
    },
  });
  watcher.on('all', () => {
    lastChange = Date.now();
  });
  // A watch error (e.g. too many files) must not trip the breaker by silence.
  watcher.on('error', () => {});
  return { lastChangeAt: () => lastChange, close: () => watcher.close() };
}

export function startWatchdog(opts: {
  dir: string;
  noProgressMs: number;
  lastOutputAt: () => number;
  onTrip: (reason: string) => void;
  /** A watcher the caller keeps across steps; without one the watchdog starts (and stops) its own. */
  watch?: { lastChangeAt(): number };
}): Watchdog {
  const startedAt = Date.now();
  let tripped = false;
  const own = opts.watch ? undefined : watchWorktree(opts.dir);
  const files = opts.watch ?? own!;
  const lastChange = () => Math.max(files.lastChangeAt(), startedAt);

  const tick = Math.max(20, Math.min(1000, Math.floor(opts.noProgressMs / 5)));
  const timer = setInterval(() => {
    if (tripped) return;
    const lastActivity = Math.max(lastChange(), opts.lastOutputAt());
    const idle = Date.now() - lastActivity;
    if (idle < opts.noProgressMs) return;
    tripped = true;
    clearInterval(timer);
    opts.onTrip(
      `no file change in the worktree and no agent output for ${Math.round(idle / 1000)}s (limit ${Math.round(opts.noProgressMs / 1000)}s)`,
    );
  }, tick);
  timer.unref();

  return {
    lastChangeAt: lastChange,
    stop: async () => {
      clearInterval(timer);
      await own?.close();
    },
  };
}
