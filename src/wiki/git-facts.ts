import { runGit } from '../git/run.js';
import type { PageInfo } from './types.js';

/** One commit, with the files it touched (renames as delete + add, so old paths count too). */
export interface CommitInfo {
  sha: string;
  subject: string;
  files: string[];
}

/**
 * The git history the stale-page and uncovered-source rules read, gathered
 * in a handful of git calls: one to resolve every `verified` sha, one log per
 * distinct sha, one file listing. The rules themselves stay pure.
 */
export interface GitFacts {
  head: string;
  /** A page's `verified` as written → the full sha, or null when git does not know it. */
  resolved: Map<string, string | null>;
  /** Full sha → commits reachable from HEAD but not from it, newest first. */
  after: Map<string, CommitInfo[]>;
  /** Repo-relative files: tracked, plus untracked ones that are not ignored. */
  files: string[];
}

export interface GitPrefetch {
  head: Promise<string | undefined>;
  listing: Promise<string>;
  /** The history of `verified` shas guessed before the pages are read (those of the last lint). */
  guessed: Set<string>;
  history: Promise<VerifiedHistory>;
}

type VerifiedHistory = Pick<GitFacts, 'resolved' | 'after'>;

/**
 * Start the git calls that do not depend on the pages, so they run while
 * the pages load; `guess` are the `verified` shas the pages are expected to
 * name (the last lint's), whose history is asked for now too.
 */
export function prefetchGit(root: string, guess: readonly string[] = []): GitPrefetch {
  const head = runGit(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).then(
    (out) => out.trim() || undefined,
    () => undefined,
  );
  const listing = runGit(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  listing.catch(() => {});
  const guessed = new Set(guess.filter((v) => SHA.test(v)));
  const history = head.then((h) =>
    h ? historyOf(root, [...guessed], h) : { resolved: new Map(), after: new Map() },
  );
  history.catch(() => {});
  return { head, listing, guessed, history };
}

const SHA = /^[0-9a-f]{7,40}$/i;

/** undefined when `root` is not a git repository with at least one commit. */
export async function gatherGitFacts(
  root: string,
  pages: Iterable<PageInfo>,
  prefetch: GitPrefetch = prefetchGit(root),
): Promise<GitFacts | undefined> {
  const head = await prefetch.head;
  if (!head) return undefined;

  const wanted = new Set<string>();
  for (const p of pages) {
    const v = p.frontmatter.data.verified;
    if (typeof v === 'string' && SHA.test(v)) wanted.add(v);
  }
  const missing = [...wanted].filter((v) => !prefetch.guessed.has(v));
  const [guessed, rest] = await Promise.all([prefetch.history, historyOf(root, missing, head)]);
  const resolved = new Map<string, string | null>();
  const after = new Map<string, CommitInfo[]>();
  for (const h of [guessed, rest]) {
    for (const [k, v] of h.resolved) if (wanted.has(k)) resolved.set(k, v);
    for (const [k, v] of h.after) after.set(k, v);
  }
  const files = [...new Set((await prefetch.listing).split('\0').filter(Boolean))];
  return { head, resolved, after, files };
}

/** Resolve `verified` shas (one git call) and list the commits after each (one log per distinct commit). */
async function historyOf(root: string, list: string[], head: string): Promise<VerifiedHistory> {
  const resolved = new Map<string, string | null>();
  if (list.length) {
    const out = await runGit(root, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], {
      input: list.map((s) => `${s}^{commit}\n`).join(''),
    });
    const lines = out.split('\n');
    list.forEach((sha, i) => {
      const m = /^([0-9a-f]{40}) commit$/.exec(lines[i] ?? '');
      resolved.set(sha, m ? m[1]! : null);
    });
  }

  const after = new Map<string, CommitInfo[]>();
  const full = new Set([...resolved.values()].filter((s): s is string => !!s));
  await Promise.all(
    [...full].map(async (sha) => {
      const out = await runGit(root, [
        'log',
        '--no-renames',
        '--format=%x1e%H%x1f%s',
        '--name-only',
        `${sha}..${head}`,
      ]);
      after.set(sha, parseLog(out));
    }),
  );

  return { resolved, after };
}

function parseLog(out: string): CommitInfo[] {
  const commits: CommitInfo[] = [];
  for (const record of out.split('\x1e')) {
    if (!record.trim()) continue;
    const nl = record.indexOf('\n');
    const headLine = nl >= 0 ? record.slice(0, nl) : record;
    const [sha, subject] = headLine.split('\x1f');
    const files = (nl >= 0 ? record.slice(nl + 1) : '').split('\n').filter(Boolean);
    commits.push({ sha: sha!, subject: subject ?? '', files });
  }
  return commits;
}
