import type { FileChange } from '../core/types.js';
import { type Git, gitAt } from './repo.js';
import { GitFailed } from './run.js';

/**
 * Diffs as data. The breakers judge an attempt by what git says changed, never
 * by what the agent says it did, so this is the one place that turns git's
 * unified diff into `FileChange`s (renames, deletions, binaries, mode and
 * type changes included).
 */

/** Options every diff Jidoka reads uses: rename detection, stable prefixes, no colour, no external drivers. */
const DIFF_ARGS = ['diff', '-M', '--no-color', '--no-ext-diff', '--src-prefix=a/', '--dst-prefix=b/'];

/**
 * Parse `git diff` output (as produced with DIFF_ARGS) into one `FileChange`
 * per path. Pure. A type change (file ⇄ symlink), which git prints as a
 * deletion followed by an addition of the same path, becomes one `typechange`.
 */
export function parseUnifiedDiff(text: string): FileChange[] {
  const out: FileChange[] = [];
  const lines = text.split('\n');
  let cur: (FileChange & { header: string }) | undefined;
  let inHunk = false;

  const finish = () => {
    if (!cur) return;
    const { header, ...change } = cur;
    if (!change.path) change.path = pathsFromHeader(header)?.[1] ?? '';
    if (change.status === 'renamed' && change.oldPath === change.path) {
      change.status = 'modified';
      delete change.oldPath;
    }
    const prev = out[out.length - 1];
    // git prints a type change as "deleted" then "new file" for the same path.
    if (prev && prev.path === change.path && prev.status === 'deleted' && change.status === 'added') {
      prev.status = 'typechange';
      prev.additions += change.additions;
      prev.addedLines.push(...change.addedLines);
      prev.binary ||= change.binary;
    } else {
      out.push(change);
    }
    cur = undefined;
  };

  for (const raw of lines) {
    const line = raw.endsWith('\r') && !inHunk ? raw.slice(0, -1) : raw;
    if (line.startsWith('diff --git ')) {
      finish();
      cur = {
        header: line.slice('diff --git '.length),
        path: '',
        status: 'modified',
        additions: 0,
        deletions: 0,
        binary: false,
        addedLines: [],
        removedLines: [],
      };
      inHunk = false;
      continue;
    }
    if (!cur) continue;
    if (inHunk) {
      if (line.startsWith('+')) {
        cur.additions++;
        cur.addedLines.push(line.slice(1));
        continue;
      }
      if (line.startsWith('-')) {
        cur.deletions++;
        cur.removedLines.push(line.slice(1));
        continue;
      }
      if (line.startsWith(' ') || line.startsWith('\\') || line === '') continue;
      if (!line.startsWith('@@')) inHunk = false;
    }
    if (line.startsWith('@@')) {
      inHunk = true;
    } else if (line.startsWith('new file mode')) {
      cur.status = 'added';
    } else if (line.startsWith('deleted file mode')) {
      cur.status = 'deleted';
    } else if (line.startsWith('rename from ')) {
      cur.status = 'renamed';
      cur.oldPath = unquote(line.slice('rename from '.length));
    } else if (line.startsWith('rename to ')) {
      cur.path = unquote(line.slice('rename to '.length));
    } else if (line.startsWith('copy to ')) {
      cur.status = 'added';
      cur.path = unquote(line.slice('copy to '.length));
    } else if (line.startsWith('--- ')) {
      const p = diffPath(line.slice(4));
      if (p && cur.status === 'deleted') cur.path = p;
    } else if (line.startsWith('+++ ')) {
      const p = diffPath(line.slice(4));
      if (p) cur.path = p;
    } else if (line.startsWith('Binary files ')) {
      cur.binary = true;
      const m = /^Binary files (.+) and (.+) differ$/.exec(line);
      if (m && !cur.path) {
        const after = diffPath(m[2]!);
        cur.path = after ?? diffPath(m[1]!) ?? '';
      }
    } else if (line.startsWith('GIT binary patch')) {
      cur.binary = true;
    }
  }
  finish();
  return out;
}

/** `a/path`, `b/path` or a quoted form → the repo path; `/dev/null` → undefined. */
function diffPath(s: string): string | undefined {
  // git appends a tab after paths that contain spaces.
  const t = s.replace(/\t$/, '');
  if (t === '/dev/null') return undefined;
  const p = unquote(t);
  return p.replace(/^[ab]\//, '');
}

/** The two paths of a `diff --git a/X b/Y` header; only reliable when X = Y (the case we need it for). */
function pathsFromHeader(header: string): [string, string] | undefined {
  if (header.startsWith('"')) {
    const m = /^("(?:[^"\\]|\\.)*") ("(?:[^"\\]|\\.)*"|.*)$/.exec(header);
    if (!m) return undefined;
    return [diffPath(m[1]!) ?? '', diffPath(m[2]!) ?? ''];
  }
  // Unquoted "a/P b/P": with equal paths the header is 2·|P| + 5 characters.
  const len = (header.length - 5) / 2;
  if (Number.isInteger(len) && len > 0) {
    const a = header.slice(2, 2 + len);
    const b = header.slice(len + 5);
    if (a === b) return [a, b];
  }
  const i = header.indexOf(' b/');
  if (i < 0) return undefined;
  return [header.slice(2, i), header.slice(i + 3)];
}

/** Undo git's C-style quoting ("tab\there", octal UTF-8 bytes "\303\274"). */
function unquote(s: string): string {
  if (!s.startsWith('"') || !s.endsWith('"') || s.length < 2) return s;
  const body = s.slice(1, -1);
  const bytes: number[] = [];
  const ESC: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, '"': 34 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const next = body[i + 1] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(Number.parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(ESC[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Stage everything in the worktree (`git add -A`, so new untracked files
 * count; ignored files stay out unless something force-added them) and
 * return the index against `baseSha`, renames detected. Staging is the
 * point: the worktree is Jidoka's, and the loop commits what it accepts.
 */
export async function diffWorktree(worktree: string, baseSha: string): Promise<FileChange[]> {
  return (await stagedDiff(worktree, baseSha)).changes;
}

/**
 * Stage everything and diff once: the parsed changes for the guards and the
 * patch text for the checker's prompt, from one `git add` and one `git diff`
 * (the execution loop's per-chunk budget is mostly git process starts).
 */
export async function stagedDiff(
  worktree: string,
  baseSha: string,
): Promise<{ changes: FileChange[]; patch: string; ignoredForceAdded: string[] }> {
  await staged(worktree);
  return cachedDiff(worktree, baseSha);
}

/** The diff of what is staged now against `baseSha`, for a caller that staged itself (stagedDiff without its `git add`). */
export async function cachedDiff(
  worktree: string,
  baseSha: string,
): Promise<{ changes: FileChange[]; patch: string; ignoredForceAdded: string[] }> {
  const patch = await gitAt(worktree).raw([
    '-c',
    'core.quotePath=false',
    ...DIFF_ARGS,
    '--cached',
    baseSha,
    '--',
  ]);
  const changes = parseUnifiedDiff(patch);
  // `git add -A` never stages an ignored file, so an added file that matches .gitignore was force-added.
  const ignoredForceAdded = await forceAddedIgnored(worktree, changes);
  return { changes, patch, ignoredForceAdded };
}

/** One entry of a tree that changed since `baseSha`: its mode, blob, size, and for a symlink its target. */
export interface TreeEntry {
  path: string;
  mode: string;
  size: number;
  /** For a symlink (mode 120000): what it points at, as stored. */
  target?: string;
}

/**
 * The entries of `tree` added or changed since `baseSha`, read from git's
 * object store without loading any file's content (symlink targets aside,
 * which are short), so a huge file can be judged before anything diffs it.
 */
export async function changedEntries(worktree: string, baseSha: string, tree: string): Promise<TreeEntry[]> {
  const git = gitAt(worktree);
  const raw = await git.raw(['diff-tree', '-r', '-z', '--no-renames', '--diff-filter=AMT', baseSha, tree]);
  // -z raw records: ":<old mode> <new mode> <old sha> <new sha> <status>\0<path>\0"
  const parts = raw.split('\0');
  const paths: string[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i]!.startsWith(':')) paths.push(parts[i + 1]!);
  if (!paths.length) return [];
  let listed = '';
  // In batches, so a chunk that touches thousands of files stays under the argv limit.
  for (let i = 0; i < paths.length; i += 500) {
    const batch = paths.slice(i, i + 500).map((p) => `:(literal)${p}`);
    listed += await git.raw(['ls-tree', '-l', '-z', tree, '--', ...batch]);
  }
  const entries: TreeEntry[] = [];
  for (const rec of listed.split('\0')) {
    const m = /^(\d+) (\w+) ([0-9a-f]+) +(\S+)\t(.*)$/s.exec(rec);
    if (!m) continue;
    const [, mode, type, sha, size, path] = m;
    if (type !== 'blob') continue;
    const entry: TreeEntry = { path: path!, mode: mode!, size: Number(size) };
    if (mode === '120000') entry.target = await git.raw(['cat-file', 'blob', sha!]);
    entries.push(entry);
  }
  return entries;
}

/** `git diff --stat` of the worktree against `baseSha`, for incidents and prompts. */
export async function diffStat(worktree: string, baseSha: string): Promise<string> {
  const git = await staged(worktree);
  const text = await git.raw([
    '-c',
    'core.quotePath=false',
    ...DIFF_ARGS,
    '--cached',
    '--stat=120,100',
    '--summary',
    baseSha,
    '--',
  ]);
  return text.trimEnd();
}

async function staged(worktree: string): Promise<Git> {
  const git = gitAt(worktree);
  await git.raw(['add', '-A', '--', '.']);
  return git;
}

/**
 * The added paths that `.gitignore` says should stay out of the repository:
 * `git add -A` never stages them, so they are there because an agent ran
 * `git add -f`. Files tracked before the plan and merely edited are not
 * counted, and neither are deletions (removing an ignored file leaks nothing).
 */
export async function forceAddedIgnored(worktree: string, changes: FileChange[]): Promise<string[]> {
  const candidates = changes.filter((c) => c.status === 'added' || c.status === 'renamed').map((c) => c.path);
  const git = gitAt(worktree);
  const ignored: string[] = [];
  for (let i = 0; i < candidates.length; i += 200) {
    const batch = candidates.slice(i, i + 200);
    // -v -n prints a line for every path (ignored ones with the pattern that matched); git exits 1
    // when none is ignored, with the same listing on stdout, so the listing alone answers.
    const out = await git
      .raw(['-c', 'core.quotePath=false', 'check-ignore', '--no-index', '-v', '-n', '--', ...batch])
      .catch((err: unknown) => (err instanceof GitFailed ? err.stdout : ''));
    for (const line of out.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0 && !line.startsWith('::')) ignored.push(line.slice(tab + 1));
    }
  }
  return ignored;
}
