import { moveOwnHead } from './own-moves.js';
import { gitAt } from './repo.js';

/**
 * Chunk commits on a plan branch. The message names plan and chunk in its
 * subject and carries trailers, which is how a resume after a crash between
 * "commit" and "checkpoint" recognises the chunk as done (no duplicate commit).
 */
export interface ChunkCommit {
  plan: string;
  chunk: number;
  attempt: number;
  runId: string;
  subject: string;
}

const IDENTITY = ['-c', 'user.name=Jidoka', '-c', 'user.email=jidoka@localhost'];
/** Whether git has a user identity in a worktree; asked once per worktree (it does not change under a run). */
const identity = new Map<string, boolean>();

/** Stage everything in the worktree (untracked included, ignored excluded) and return the tree id. */
export async function stageAll(worktree: string): Promise<string> {
  await gitAt(worktree).raw(['add', '-A']);
  return writeTree(worktree);
}

/** The tree id of what is staged now. */
export async function writeTree(worktree: string): Promise<string> {
  return (await gitAt(worktree).raw(['write-tree'])).trim();
}

/** Commit what is staged (the caller staged and recorded the approved tree). */
export async function commitChunk(worktree: string, c: ChunkCommit): Promise<string> {
  const git = gitAt(worktree);
  const message = `${c.subject}\n\nJidoka-Plan: ${c.plan}\nJidoka-Chunk: ${c.chunk}\nJidoka-Attempt: ${c.attempt}\nJidoka-Run: ${c.runId}\n`;
  if (!identity.has(worktree)) identity.set(worktree, await configured(worktree));
  await moveOwnHead(worktree, () =>
    git.raw([...(identity.get(worktree) ? [] : IDENTITY), 'commit', '--allow-empty', '-m', message]),
  );
  return (await git.raw(['rev-parse', 'HEAD'])).trim();
}

/** The commit on HEAD since `since` that records this plan's chunk, if any. */
export async function findChunkCommit(
  worktree: string,
  since: string,
  plan: string,
  chunk: number,
): Promise<string | undefined> {
  const out = await gitAt(worktree).raw(['log', '--format=%H%x00%B%x01', `${since}..HEAD`]);
  for (const rec of out.split('\x01')) {
    const [sha, body] = rec.trim().split('\x00');
    if (!sha || !body) continue;
    if (body.includes(`Jidoka-Plan: ${plan}\n`) && new RegExp(`^Jidoka-Chunk: ${chunk}$`, 'm').test(body))
      return sha;
  }
  return undefined;
}

async function configured(dir: string): Promise<boolean> {
  try {
    return Boolean((await gitAt(dir).raw(['config', 'user.email'])).trim());
  } catch {
    return false;
  }
}
