import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import chokidar from 'chokidar';
import type { Logger } from 'pino';
import { describeError } from '../core/errors.js';
import { jidokaPaths } from '../core/paths.js';

/** What a file event means to the daemon. */
export type RepoChange = 'config' | 'plans' | 'main-ref';

/** The files the daemon watches, and how each maps to a change. */
export interface WatchedFiles {
  plansDir: string;
  configFile: string;
  stateDir: string;
  lineFile: string;
  approvalsFile: string;
}

export function watchedFiles(root: string): WatchedFiles {
  const paths = jidokaPaths(root);
  return {
    plansDir: join(root, 'plans'),
    configFile: join(root, 'jidoka.yaml'),
    stateDir: paths.state,
    lineFile: paths.line,
    approvalsFile: join(paths.state, 'approvals.json'),
  };
}

/** Which change a path is: plans (and the line and approvals, which decide what may start), the config, or a branch ref. */
export function classifyChange(path: string, w: WatchedFiles): RepoChange | undefined {
  if (path === w.configFile) return 'config';
  if (path === w.lineFile || path === w.approvalsFile || path.startsWith(w.plansDir)) return 'plans';
  if (path.includes(join('.git', 'refs')) || path.endsWith('packed-refs')) return 'main-ref';
  return undefined;
}

export interface RepoWatcher {
  /** Resolves once the watcher reports changes; changes before that are not reported. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * chokidar on plans/, jidoka.yaml, `.jidoka/state/` (its two files only) and
 * the branch refs. Only paths that exist are watched: chokidar 5 says
 * "ready" too early when one does not (a change right after is lost), so the
 * two folders are made first.
 */
export function watchRepository(
  root: string,
  logger: Logger,
  onChange: (change: RepoChange) => void,
): RepoWatcher {
  const w = watchedFiles(root);
  mkdirSync(w.plansDir, { recursive: true });
  mkdirSync(w.stateDir, { recursive: true });
  const stateFiles = new Set([w.stateDir, w.lineFile, w.approvalsFile]);
  const watchPaths = [
    w.plansDir,
    w.configFile,
    w.stateDir,
    join(root, '.git', 'refs', 'heads'),
    join(root, '.git', 'packed-refs'),
  ].filter((p) => existsSync(p));
  const watcher = chokidar.watch(watchPaths, {
    ignoreInitial: true,
    awaitWriteFinish: { stabilityThreshold: 200, pollInterval: 50 },
    ignored: (p: string) => /\.(lock|tmp)$/.test(p) || (p.startsWith(w.stateDir) && !stateFiles.has(p)),
  });
  watcher.on('all', (_event, path) => {
    const change = classifyChange(path, w);
    if (change) onChange(change);
  });
  watcher.on('error', (err) => logger.warn(`daemon: file watcher: ${describeError(err)}`));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { ready, close: () => watcher.close() };
}
