import { join, relative, sep } from 'node:path';

/**
 * Where Jidoka keeps things inside a repository. Runtime state lives under
 * `.jidoka/` (gitignored); everything a human reads is committed content.
 */
export function jidokaPaths(root: string) {
  const dir = join(root, '.jidoka');
  return {
    root,
    dir,
    state: join(dir, 'state'),
    line: join(dir, 'state', 'line.json'),
    plansState: join(dir, 'state', 'plans'),
    runs: join(dir, 'runs'),
    ledger: join(dir, 'ledger.jsonl'),
    worktrees: join(dir, 'worktrees'),
    lock: join(dir, 'daemon.lock'),
    cache: join(dir, 'cache'),
    logs: join(dir, 'logs'),
    tmp: join(dir, 'tmp'),
    plansDir: join(root, 'plans'),
    wikiDir: join(root, 'wiki'),
    incidentsDir: join(root, 'wiki', '90_LOG', 'incidents'),
    agentsDir: join(root, 'agents'),
    skillsDir: join(root, 'skills'),
  };
}
export type JidokaPaths = ReturnType<typeof jidokaPaths>;

/** `to` relative to `from`, `/`-separated on every platform: how git, globs and the wiki name files. */
export function posixRelative(from: string, to: string): string {
  const rel = relative(from, to);
  return sep === '/' ? rel : rel.split(sep).join('/');
}
