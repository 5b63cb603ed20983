import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { JidokaError } from '../core/errors.js';
import { posixRelative } from '../core/paths.js';
import { ensureStateIgnored } from './gitignore.js';
import { templatesDir } from './templates-dir.js';

export type ScaffoldAction = 'created' | 'kept' | 'rewrote' | 'updated';

export interface ScaffoldEntry {
  /** Repo-relative, `/`-separated. */
  path: string;
  action: ScaffoldAction;
  /** Why, for people: "exists; --force to overwrite", "added .jidoka/". */
  note?: string;
}

/**
 * Folders the wiki needs even before anything is written into them. git keeps
 * no empty folders, so an empty one gets a `.gitkeep`.
 */
export const SCAFFOLD_DIRS = ['wiki/10_DOMAIN', 'wiki/20_SYSTEM', 'wiki/90_LOG/incidents'] as const;

/**
 * Copy every file under `templates/` into the repository at `root`, create the
 * wiki folders and ignore `.jidoka/`. A file that already exists is kept
 * byte for byte unless `force` is set: a user's edits are never lost silently.
 * The template list is whatever the folder holds, so new templates need no code.
 */
export function scaffold(root: string, opts: { force?: boolean; templates?: string } = {}): ScaffoldEntry[] {
  const from = opts.templates ?? templatesDir();
  if (!existsSync(from))
    throw new JidokaError(`Jidoka's templates folder is missing: ${from}`, {
      exitCode: 2,
      hint: 'reinstall jidoka; the package ships templates/ next to dist/',
    });
  const entries: ScaffoldEntry[] = [];
  for (const rel of listTemplateFiles(from)) {
    entries.push(copyTemplate(join(from, ...rel.split('/')), root, rel, opts.force ?? false));
  }
  for (const dir of SCAFFOLD_DIRS) {
    const entry = keepDir(root, dir);
    if (entry) entries.push(entry);
  }
  entries.push(ensureStateIgnored(root));
  return entries;
}

/** Every file below `dir`, dotfiles included, as sorted `/`-separated relative paths. */
export function listTemplateFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const ent of readdirSync(at, { withFileTypes: true })) {
      const full = join(at, ent.name);
      if (ent.isDirectory()) walk(full);
      else if (ent.isFile()) out.push(posixRelative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

function copyTemplate(src: string, root: string, rel: string, force: boolean): ScaffoldEntry {
  const dest = join(root, ...rel.split('/'));
  const exists = existsSync(dest);
  if (exists && statSync(dest).isDirectory())
    throw new JidokaError(`${rel} is a directory, but Jidoka needs a file there`, {
      exitCode: 2,
      hint: `move ${rel} aside and run \`jidoka init\` again`,
    });
  if (exists && !force) return { path: rel, action: 'kept', note: 'exists; --force to overwrite' };
  writeFileAtomic(dest, readFileSync(src));
  return { path: rel, action: exists ? 'rewrote' : 'created', note: exists ? '--force' : undefined };
}

/** Create `dir`; give it a `.gitkeep` while it holds nothing else. */
function keepDir(root: string, dir: string): ScaffoldEntry | undefined {
  const abs = join(root, ...dir.split('/'));
  const keep = `${dir}/.gitkeep`;
  if (existsSync(abs) && readdirSync(abs).length > 0) {
    return existsSync(join(abs, '.gitkeep')) ? { path: keep, action: 'kept', note: 'exists' } : undefined;
  }
  writeFileAtomic(join(abs, '.gitkeep'), '');
  return { path: keep, action: 'created' };
}

/** What `jidoka init` prints: one line per file, then a count and the next steps. */
export function formatScaffold(root: string, entries: ScaffoldEntry[]): string {
  const lines = [`Scaffolding Jidoka in ${root}`, ''];
  for (const e of entries) lines.push(`${e.action.padEnd(7)} ${e.path}${e.note ? ` (${e.note})` : ''}`);
  const count = (a: ScaffoldAction) => entries.filter((e) => e.action === a).length;
  const kept = count('kept');
  lines.push(
    '',
    `${count('created')} created, ${count('rewrote') + count('updated')} updated, ${kept} kept.` +
      (kept ? ' Kept files were left exactly as they were.' : ''),
    '',
    'Next steps:',
    '  1. Edit jidoka.yaml: choose the adapter and model for each role under `agents:`',
    '     and list the checks that prove a change works (tests, typecheck, lint).',
    '  2. Describe the project in agents/CONTEXT.md and what success means in agents/GOALS.md.',
    '  3. Run `jidoka doctor` to check git, the agent CLIs and the config.',
    '  4. Commit the scaffold: git add jidoka.yaml agents .agents skills plans wiki .gitignore',
  );
  return lines.join('\n');
}
