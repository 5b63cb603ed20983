import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { moveOwnHead } from './own-moves.js';
import { gitAt } from './repo.js';
import { gitEnv } from './run.js';

/**
 * Work preservation. Before Jidoka resets anything an agent wrote, the whole
 * worktree state (tracked changes, untracked files, anything force-added to
 * the index; not gitignored files) is committed on a throwaway index and
 * `refs/andon/<incident-id>` points at that commit. The branch, the real
 * index and the files stay as they were, so preservation is safe to run at
 * any moment, even next to a stale `index.lock`.
 */

export function andonRef(incidentId: string): string {
  return `refs/andon/${incidentId}`;
}

/** Identity for preservation commits, so they work in repos without user.name. */
const PRESERVER = {
  GIT_AUTHOR_NAME: 'Jidoka Andon',
  GIT_AUTHOR_EMAIL: 'andon@jidoka.invalid',
  GIT_COMMITTER_NAME: 'Jidoka Andon',
  GIT_COMMITTER_EMAIL: 'andon@jidoka.invalid',
};

/**
 * Commit the worktree state and point `refs/andon/<incidentId>` at it.
 * Returns the sha the ref points at. When nothing changed since HEAD the ref
 * points at HEAD itself, so the ref exists for every incident with a worktree;
 * undefined only when the worktree has no commit at all.
 */
export async function preserveWork(
  worktree: string,
  incidentId: string,
  message: string,
): Promise<string | undefined> {
  const git = gitAt(worktree);
  const head = await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).then(
    (s) => s.trim() || undefined,
    () => undefined,
  );
  if (!head) return undefined;
  const realIndex = resolveGitPath(worktree, (await git.raw(['rev-parse', '--git-path', 'index'])).trim());
  const tmp = mkdtempSync(join(tmpdir(), 'jidoka-preserve-'));
  const index = join(tmp, 'index');
  try {
    // Start from the real index so files an agent force-added are kept too.
    if (existsSync(realIndex)) copyFileSync(realIndex, index);
    const env = gitEnv({ ...PRESERVER, GIT_INDEX_FILE: index });
    const tgit = gitAt(worktree).env(env);
    if (!existsSync(realIndex)) await tgit.raw(['read-tree', 'HEAD']);
    await tgit.raw(['add', '-A', '--', '.']);
    const tree = (await tgit.raw(['write-tree'])).trim();
    const headTree = (await git.raw(['rev-parse', 'HEAD^{tree}'])).trim();
    let sha = head;
    if (tree !== headTree) {
      sha = (await tgit.raw(['commit-tree', tree, '-p', head, '-m', message])).trim();
    }
    await git.raw(['update-ref', '-m', `jidoka andon: ${incidentId}`, andonRef(incidentId), sha]);
    return sha;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function resolveGitPath(worktree: string, p: string): string {
  return isAbsolute(p) ? p : join(worktree, p);
}

/**
 * Put the worktree back to `toSha`: reset the branch, the index and the
 * files, and remove untracked files (ignored ones such as node_modules stay).
 * Callers preserve first; this destroys whatever is not under a ref.
 */
export async function resetWorktree(worktree: string, toSha: string): Promise<void> {
  const git = gitAt(worktree);
  await moveOwnHead(worktree, () => git.raw(['reset', '--hard', '--quiet', toSha]));
  await git.raw(['clean', '-fdq']);
}
