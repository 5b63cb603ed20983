import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A real git repository in a temp dir, with helpers to write files and run git. */
export interface TempRepo {
  dir: string;
  git(...args: string[]): string;
  write(path: string, content: string): void;
  commit(message: string): string;
  cleanup(): void;
}

export function tempRepo(files: Record<string, string> = {}): TempRepo {
  const dir = mkdtempSync(join(tmpdir(), 'jidoka-git-'));
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' },
    });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'dev@example.com');
  git('config', 'user.name', 'Dev Eloper');
  git('config', 'commit.gpgsign', 'false');
  const write = (path: string, content: string) => {
    const p = join(dir, path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  };
  const commit = (message: string) => {
    git('add', '-A');
    git('commit', '-q', '--allow-empty', '-m', message);
    return git('rev-parse', 'HEAD').trim();
  };
  write('.gitignore', '.jidoka/\nnode_modules/\n*.log\n.env\n');
  for (const [p, c] of Object.entries(files)) write(p, c);
  commit('base');
  return { dir, git, write, commit, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Add a linked worktree on a new branch, as the execution loop does for a plan. */
export function addWorktree(repo: TempRepo, name: string): string {
  const wt = join(repo.dir, '.jidoka', 'worktrees', name);
  repo.git('worktree', 'add', '-q', '-b', `jidoka/${name}`, wt);
  return wt;
}
