import { join } from 'node:path';
import {
  compareOutside,
  type OutsideSnapshot,
  restoreRefs,
  type SnapshotScope,
  sandboxedView,
  snapshotOutside,
} from '../../andon/outside-writes.js';
import type { Config } from '../../config/schema.js';
import { isOwnFileValue, isOwnRefValue, ownMovesInFlight, ownMovesSettled } from '../../core/own-writes.js';
import { jidokaPaths } from '../../core/paths.js';
import type { Finding } from '../../core/types.js';
import { neutralizeConfig } from '../../git/pin.js';
import { planWorktreePath } from '../../git/worktree.js';

/**
 * The after-step check around every agent step and the checks, sandbox or
 * not: nothing outside the step's writable paths may change (the main
 * checkout, other refs, the git directory's config, hooks and info/,
 * Jidoka's state). The sandbox makes that impossible; this is what notices
 * when it is off (`sandbox.mode: none`). A change is red; refs are put back at
 * once, and the incident names every path. Sandboxed, only the git
 * directory's files are compared (see sandboxedView): a change elsewhere
 * cannot be the step's, and a person committing on main meanwhile must not
 * stop the line. Unsandboxed, the check cannot tell a person from the agent,
 * and stops the line either way.
 *
 * With plans running in parallel, Jidoka itself moves refs and writes state
 * during the step (another plan's chunk commit and checkpoint, the merge
 * queue moving main, a red line written by another plan). Those changes are
 * Jidoka's when the value seen now is the value Jidoka set
 * (src/core/own-writes.ts): they are taken as expected, and never put back.
 */
/** Whose step it is: the repository, the plan (its own refs and checkpoint are Jidoka's), the sandbox mode. */
export interface StepScope extends SnapshotScope {
  sandboxed: boolean;
}

export function stepScope(root: string, config: Config, planId: string): StepScope {
  return {
    root,
    planId,
    worktree: planWorktreePath(root, planId),
    sandboxed: config.sandbox.mode === 'bwrap',
  };
}

export function outsideSnapshot(scope: StepScope): Promise<OutsideSnapshot> {
  return snapshotOutside(scope);
}

/** How long a check waits for Jidoka's own ref moves in flight before it judges what it sees. */
const SETTLE_MS = 60_000;

export async function outsideChanged(
  scope: StepScope,
  before: OutsideSnapshot,
  during: string,
): Promise<{ finding?: Finding; after: OutsideSnapshot }> {
  let after = await snapshotOutside(scope, before);
  let expected = expectedAfter(scope.root, before, after, journal);
  let found = compareOutside(expected, scope.sandboxed ? sandboxedView(expected, after) : after);
  if (found && ownMovesInFlight()) {
    // A ref seen moved before its mover could note it: look again once Jidoka's own moves have landed.
    await ownMovesSettled(SETTLE_MS);
    after = await snapshotOutside(scope, before);
    expected = expectedAfter(scope.root, before, after, journal);
    found = compareOutside(expected, scope.sandboxed ? sandboxedView(expected, after) : after);
  }
  if (!found) return { after };
  // Whatever git config was planted must not run in the git the stop itself does (diff, preserve).
  if (scope.worktree) await neutralizeConfig(scope.worktree);
  // Put back what is not Jidoka's own: another plan's commit stays where it is.
  const restored = await restoreRefs(scope, expected).catch(() => []);
  return {
    after,
    finding: {
      ...found,
      message: `${during}: ${found.message}${restored.length ? `; refs put back: ${restored.join(', ')}` : ''}`,
      evidence: { ...found.evidence, restoredRefs: restored },
    },
  };
}

/** What the check asks of Jidoka's journal of its own changes. */
export interface OwnJournal {
  isOwnRef(ref: string, sha: string | undefined): boolean;
  /** `hash`: the file's sha256 now, undefined when it is gone. */
  isOwnFile(path: string, hash: string | undefined): boolean;
}

const journal: OwnJournal = { isOwnRef: isOwnRefValue, isOwnFile: isOwnFileValue };

/**
 * The snapshot the step should have left: `before`, with every change that
 * is Jidoka's own (the journal set exactly the value seen now) taken as it is
 * now. Comparing this with `after` leaves only changes nobody in Jidoka made.
 */
export function expectedAfter(
  root: string,
  before: OutsideSnapshot,
  after: OutsideSnapshot,
  own: OwnJournal,
): OutsideSnapshot {
  const refs = { ...before.refs };
  for (const ref of new Set([...Object.keys(before.refs), ...Object.keys(after.refs)])) {
    const now = after.refs[ref];
    if (now === before.refs[ref] || !own.isOwnRef(ref, now)) continue;
    if (now === undefined) delete refs[ref];
    else refs[ref] = now;
  }
  const stateDir = jidokaPaths(root).state;
  const state = { ...before.state };
  for (const key of new Set([...Object.keys(before.state), ...Object.keys(after.state)])) {
    const now = after.state[key];
    if (now === before.state[key] || !own.isOwnFile(join(stateDir, key), contentOf(now))) continue;
    if (now === undefined) delete state[key];
    else state[key] = now;
  }
  return { ...before, refs, state, mainHead: ownMainHead(before.mainHead, after.mainHead, own) };
}

/** The main checkout's HEAD (`<symref> <sha>`) moved by Jidoka on the same branch (the merge queue) is expected. */
function ownMainHead(before: string, after: string, own: OwnJournal): string {
  if (before === after) return before;
  const [refBefore] = before.split(' ');
  const [refAfter, sha] = after.split(' ');
  return refBefore === refAfter && refAfter && own.isOwnRef(refAfter, sha) ? after : before;
}

/** The snapshot keeps `<mode>:<sha256>` of a file (or `symlink:…`); the journal keeps the sha256. */
function contentOf(entry: string | undefined): string | undefined {
  if (entry === undefined) return undefined;
  const i = entry.indexOf(':');
  return entry.startsWith('symlink:') ? entry : entry.slice(i + 1);
}
