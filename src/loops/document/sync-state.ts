import { clearYellow, raiseYellow, readLine } from '../../andon/line.js';
import type { Config } from '../../config/schema.js';
import { usageError } from '../../core/errors.js';
import { gitAt, mainBranch } from '../../git/repo.js';
import { commitsSince, isAncestor, resolveCommit, type SyncCommit } from './git.js';
import { lastSyncFromLog, readDocsState, writeDocsState } from './record.js';

/**
 * Where the last sync left off (`.jidoka/state/docs.json`, else log.md) and
 * the transitions that move it: a sync that finishes records main's head and
 * clears the yellow an earlier sync raised; one that needs a human raises it.
 */

/** Main's head and the commits on it since the last sync. */
export interface MainChanges {
  main: string;
  head: string;
  since: string | undefined;
  commits: SyncCommit[];
}

/** The last sync is read from log.md when `.jidoka/` is gone, so a fresh clone knows it too. */
export async function changesSinceLastSync(
  root: string,
  config: Config,
  wikiDir: string,
): Promise<MainChanges> {
  const main = await mainBranch(gitAt(root), config.git.mainBranch);
  const head = await resolveCommit(root, main);
  if (!head)
    throw usageError(
      `branch ${main} has no commits`,
      'commit something first, or set git.mainBranch in jidoka.yaml',
    );
  const recorded = readDocsState(root)?.lastSync ?? lastSyncFromLog(wikiDir);
  const since = recorded ? await resolveCommit(root, recorded) : undefined;
  return { main, head, since, commits: await commitsSince(root, since, head) };
}

/**
 * The branch of the last committed sync when it still exists at that commit
 * and is not merged into main: a new sync would only write the same update again.
 */
export async function pendingReview(root: string, main: string): Promise<string | undefined> {
  const state = readDocsState(root);
  if (!state?.branch || !state.commit) return undefined;
  const at = await resolveCommit(root, `refs/heads/${state.branch}`);
  if (at !== state.commit) return undefined;
  return (await isAncestor(root, state.commit, main)) ? undefined : state.branch;
}

/** The sync reached `head` (committed on `branch` when it wrote anything): record it, clear its yellow. */
export function markSynced(root: string, head: string, update?: { branch: string; commit: string }): void {
  writeDocsState(root, { lastSync: head, at: new Date().toISOString(), ...update });
  clearDocsYellow(root);
}

const YELLOW_PREFIX = 'docs sync:';

/** The line turns yellow for a person; returns the reason as the line shows it. */
export function raiseDocsYellow(root: string, problem: string): string {
  const reason = `${YELLOW_PREFIX} ${problem}`;
  raiseYellow(root, reason);
  return reason;
}

/** Only a yellow an earlier docs sync raised: another loop's stays up. */
function clearDocsYellow(root: string): void {
  if (readLine(root).yellow?.reason.startsWith(YELLOW_PREFIX)) clearYellow(root);
}
