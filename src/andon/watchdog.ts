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

export function startWatchdog(opts: {
  dir: string;
  noProgressMs: number;
  lastOutputAt: () => number;
  onTrip: (reason: string) => void;
}): Watchdog {
  const startedAt = Date.now();
  let lastChange = startedAt;
  let tripped = false;
  const watcher = watch(opts.dir, {
    ignoreInitial: true,
    persistent: true,
    ignored: (path: string) => {
      const rel = path.startsWith(opts.dir) ? path.slice(opts.dir.length) : path;
      return rel.split(/[\\/]/).some((part) => IGNORED_DIRS.has(part));
    },
  });
  const touch = () => {
    lastChange = Date.now();
  };
  watcher.on('all', touch);
  // A watch error (e.g. too many files) must not trip the breaker by silence; it is logged by the caller's logger at most.
  watcher.on('error', () => {});

  const tick = Math.max(20, Math.min(1000, Math.floor(opts.noProgressMs / 5)));
  const timer = setInterval(() => {
    if (tripped) return;
    const lastActivity = Math.max(lastChange, opts.lastOutputAt(), startedAt);
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
    lastChangeAt: () => lastChange,
    stop: async () => {
      clearInterval(timer);
      await watcher.close();
    },
  };
}
