import { dirname, isAbsolute, normalize } from 'node:path/posix';
import type { Finding } from '../core/types.js';
import type { TreeEntry } from '../git/diff.js';
import { finding } from './finding.js';

/**
 * Limits on what a chunk may put in the tree, judged from git's object
 * store before anything diffs the files: no file over `limits.maxFileBytes`
 * (a huge file would make every diff and guard load it), and no symlink that
 * points outside the repository (a test or a gate file could be swapped for
 * a link to anything on the machine). Both block the chunk; the maker hears
 * why in its next attempt.
 */
export function guardTreeLimits(entries: TreeEntry[], maxFileBytes: number): Finding[] {
  const found: Finding[] = [];
  const large = entries.filter((e) => e.mode !== '120000' && e.size > maxFileBytes);
  if (large.length)
    found.push(
      finding(
        'file_limits',
        'scope_creep',
        `file(s) over limits.maxFileBytes (${maxFileBytes} bytes): ${large
          .slice(0, 5)
          .map((e) => `${e.path} (${e.size} bytes)`)
          .join(', ')}; keep large files out of the repository (generate them, or .gitignore them)`,
        { files: large.map((e) => ({ path: e.path, size: e.size })), maxFileBytes },
        { action: 'block', line: 'none' },
      ),
    );
  const escaping = entries.filter(
    (e) => e.mode === '120000' && e.target !== undefined && escapes(e.path, e.target),
  );
  if (escaping.length)
    found.push(
      finding(
        'file_limits',
        'repo_integrity',
        `symlink(s) pointing outside the repository: ${escaping
          .slice(0, 5)
          .map((e) => `${e.path} -> ${e.target}`)
          .join(', ')}; a link may only point at a path inside the repository`,
        { links: escaping.map((e) => ({ path: e.path, target: e.target })) },
        { action: 'block', line: 'none' },
      ),
    );
  return found;
}

/**
 * Whether a link at repo-relative `path` with stored `target` resolves
 * outside the repository, or into its git directory or Jidoka's state (inside
 * the folder, but not the repository's content).
 */
export function escapes(path: string, target: string): boolean {
  if (!target || isAbsolute(target) || target.includes('\0')) return true;
  const resolved = normalize(`${dirname(path)}/${target}`);
  return /^(?:\.\.|\.git|\.jidoka)(?:\/|$)/.test(resolved);
}
