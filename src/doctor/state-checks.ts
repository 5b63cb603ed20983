import { accessSync, constants, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildEnv, runProcess } from '../agents/runner.js';
import { type LockInfo, pidAlive, readLock } from '../core/lock.js';
import { jidokaPaths } from '../core/paths.js';
import { listWorktrees } from '../git/worktree.js';
import { listTemplateFiles, SCAFFOLD_DIRS } from '../init/scaffold.js';
import { templatesDir } from '../init/templates-dir.js';
import type { DoctorCheck } from './report.js';

/** The wiki folders and the wiki files `jidoka init` writes (whatever templates/wiki/ holds). */
export function checkWiki(root: string): DoctorCheck {
  const wikiTemplates = join(templatesDir(), 'wiki');
  const files = existsSync(wikiTemplates) ? listTemplateFiles(wikiTemplates).map((f) => `wiki/${f}`) : [];
  const expected = ['wiki', ...SCAFFOLD_DIRS, ...files.filter((f) => !f.endsWith('/.gitkeep'))];
  const missing = expected.filter((p) => !existsSync(join(root, ...p.split('/'))));
  if (missing.length) {
    return {
      id: 'wiki',
      status: 'warn',
      message: `missing: ${missing.join(', ')}`,
      hint: 'run `jidoka init`: it creates what is missing and keeps every existing file',
      details: { missing },
    };
  }
  return {
    id: 'wiki',
    status: 'ok',
    message: 'wiki/ has its schema, index, log and folders',
    details: { missing },
  };
}

export function checkPlans(root: string): DoctorCheck {
  const dir = jidokaPaths(root).plansDir;
  if (!existsSync(dir)) {
    return {
      id: 'plans',
      status: 'warn',
      message: 'no plans/ folder',
      hint: 'run `jidoka init` (writes plans/TEMPLATE.md), or create plans/',
    };
  }
  const plans = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'TEMPLATE.md');
  return {
    id: 'plans',
    status: 'ok',
    message: `plans/ present (${plans.length} plan${plans.length === 1 ? '' : 's'})`,
    details: { count: plans.length },
  };
}

/** `.jidoka/` is where runtime state lives: it must be a writable directory when present. */
export function checkStateDir(root: string): DoctorCheck {
  const dir = jidokaPaths(root).dir;
  if (!existsSync(dir)) {
    return {
      id: 'state',
      status: 'ok',
      message: '.jidoka/ not created yet (the first daemon or run creates it)',
    };
  }
  if (!statSync(dir).isDirectory()) {
    return {
      id: 'state',
      status: 'fail',
      message: '.jidoka exists but is not a directory',
      hint: 'move that file aside; Jidoka keeps its runtime state in the .jidoka/ directory',
    };
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    return {
      id: 'state',
      status: 'fail',
      message: '.jidoka/ is not writable by this user',
      hint: `fix its owner or mode (e.g. \`chown -R $(id -un) ${dir}\`), or run jidoka as the user that owns it`,
    };
  }
  return { id: 'state', status: 'ok', message: '.jidoka/ exists and is writable' };
}

export async function checkGitignore(root: string): Promise<DoctorCheck> {
  // Through the runner: check-ignore answers with its exit code alone (0 ignored, 1 not, else an error), and a missing git must be a finding, not a throw.
  const r = await runProcess({
    file: 'git',
    args: ['check-ignore', '-q', '--no-index', '.jidoka/state'],
    cwd: root,
    env: buildEnv({}, { tmpDir: tmpdir() }),
    timeoutMs: 10_000,
    maxOutputBytes: 64 * 1024,
  });
  if (r.exitCode === 0) return { id: 'gitignore', status: 'ok', message: '.jidoka/ is ignored by git' };
  if (r.exitCode !== 1) {
    return {
      id: 'gitignore',
      status: 'warn',
      message: `could not ask git whether .jidoka/ is ignored: ${r.spawnError ?? (r.stderr.trim() || `exit ${r.exitCode}`)}`,
      hint: 'run `git check-ignore -v .jidoka/state` by hand',
    };
  }
  return {
    id: 'gitignore',
    status: 'warn',
    message: '.jidoka/ is not ignored by git: runtime state, logs and worktrees could be committed',
    hint: 'add the line `.jidoka/` to .gitignore (`jidoka init` does)',
  };
}

export type LockState =
  | { kind: 'none' }
  | { kind: 'unreadable' }
  | { kind: 'held'; info: LockInfo }
  | { kind: 'elsewhere'; info: LockInfo }
  | { kind: 'stale'; info: LockInfo };

/** Pure: what a lock means on this host, given whether its pid is alive. */
export function judgeLock(
  info: LockInfo | undefined,
  exists: boolean,
  here: { hostname: string; alive: (pid: number) => boolean },
): LockState {
  if (!exists) return { kind: 'none' };
  if (!info || typeof info.pid !== 'number' || !Number.isInteger(info.pid) || info.pid <= 0)
    return { kind: 'unreadable' };
  if (info.hostname && info.hostname !== here.hostname) return { kind: 'elsewhere', info };
  return here.alive(info.pid) ? { kind: 'held', info } : { kind: 'stale', info };
}

export function checkLock(root: string): DoctorCheck {
  const path = jidokaPaths(root).lock;
  const rel = relative(root, path);
  const state = judgeLock(readLock(path), existsSync(path), { hostname: hostname(), alive: pidAlive });
  switch (state.kind) {
    case 'none':
      return { id: 'lock', status: 'ok', message: 'no daemon lock (no daemon running)' };
    case 'unreadable':
      return {
        id: 'lock',
        status: 'warn',
        message: `${rel} is not a valid lock (expected JSON with pid, hostname, startedAt)`,
        hint: `make sure no daemon is running, then remove ${rel}`,
      };
    case 'held':
      return {
        id: 'lock',
        status: 'ok',
        message: `daemon running: pid ${state.info.pid} since ${state.info.startedAt}`,
        details: { ...state.info },
      };
    case 'elsewhere':
      return {
        id: 'lock',
        status: 'warn',
        message: `${rel} is held by pid ${state.info.pid} on another host (${state.info.hostname}) since ${state.info.startedAt}; cannot tell from here whether it still runs`,
        hint: `check that host; if no daemon runs there, remove ${rel}`,
        details: { ...state.info },
      };
    case 'stale':
      return {
        id: 'lock',
        status: 'warn',
        message: `stale lock: ${rel} names pid ${state.info.pid} (since ${state.info.startedAt}), which is not running`,
        hint: `the next \`jidoka daemon\` takes it over; or remove ${rel}`,
        details: { ...state.info, stale: true },
      };
  }
}

/**
 * Plan worktrees git and the disk disagree about: folders under
 * `.jidoka/worktrees/` git does not know (orphaned), and registered worktrees
 * whose folder is gone (prunable).
 */
export async function checkWorktrees(root: string): Promise<DoctorCheck> {
  const dir = jidokaPaths(root).worktrees;
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  const registered = (await listWorktrees(root)).slice(1); // the first entry is the main work tree
  const known = new Set(registered.map((w) => real(w.path)));
  const onDisk = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => join(dir, e.name))
    : [];
  const orphaned = onDisk.filter((p) => !known.has(real(p))).map((p) => relative(root, p));
  const gone = registered.filter((w) => w.prunable || !existsSync(w.path)).map((w) => w.path);
  const details = { registered: registered.map((w) => w.path), orphaned, gone };
  if (!orphaned.length && !gone.length) {
    const n = registered.length;
    return {
      id: 'worktrees',
      status: 'ok',
      message: n ? `${n} worktree${n === 1 ? '' : 's'}, all present` : 'no plan worktrees',
      details,
    };
  }
  const problems: string[] = [];
  const hints: string[] = [];
  if (orphaned.length) {
    problems.push(`not known to git (orphaned): ${orphaned.join(', ')}`);
    hints.push('look for unsaved work in the orphaned folders, then delete them');
  }
  if (gone.length) {
    problems.push(`registered but missing on disk: ${gone.join(', ')}`);
    hints.push('run `git worktree prune`');
  }
  return { id: 'worktrees', status: 'warn', message: problems.join('\n'), hint: hints.join('; '), details };
}
