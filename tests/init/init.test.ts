import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addStateIgnore } from '../../src/init/gitignore.js';
import { listTemplateFiles, SCAFFOLD_DIRS } from '../../src/init/scaffold.js';
import { templatesDir } from '../../src/init/templates-dir.js';
import { git, jidoka, tempDir, tempRepo } from './helpers.js';

const TEMPLATES = templatesDir();
const templateFiles = listTemplateFiles(TEMPLATES);
const template = (rel: string) => readFileSync(join(TEMPLATES, rel));

describe('jidoka init', () => {
  it('lists the whole template tree, dotfolders included', () => {
    for (const f of [
      'jidoka.yaml',
      'agents/CONTEXT.md',
      'agents/GOALS.md',
      'agents/LOOPS.md',
      'agents/LANGUAGE.md',
      '.agents/claude/agents/maker.md',
      '.agents/claude/agents/checker.md',
      '.agents/claude/agents/goal-checker.md',
      '.agents/codex/agents/maker.md',
      '.agents/codex/agents/checker.md',
      '.agents/codex/agents/goal-checker.md',
      'skills/tdd.md',
      'skills/diagnose.md',
      'skills/improve-architecture.md',
      'skills/andon.md',
      'plans/TEMPLATE.md',
    ]) {
      expect(templateFiles).toContain(f);
    }
  });

  it('scaffolds every template, the wiki folders and the .gitignore line in a fresh repo', async () => {
    const repo = await tempRepo();
    const r = await jidoka(repo, ['init']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const rel of templateFiles) {
      expect(readFileSync(join(repo, rel)), rel).toEqual(template(rel));
      expect(r.stdout).toContain(`created ${rel}`);
    }
    for (const dir of SCAFFOLD_DIRS) {
      expect(existsSync(join(repo, dir, '.gitkeep')), dir).toBe(true);
    }
    expect(readFileSync(join(repo, '.gitignore'), 'utf8')).toBe('.jidoka/\n');
    expect(r.stdout).toMatch(/Next steps/);
    expect(r.stdout).toMatch(/jidoka doctor/);
    // git sees the empty wiki folders (through .gitkeep) and ignores .jidoka/.
    const status = await git(repo, 'status', '--porcelain', '--untracked-files=all');
    expect(status).toContain('wiki/90_LOG/incidents/.gitkeep');
    await git(repo, 'check-ignore', '-q', '.jidoka/state');
  });

  it('scaffolds at the repository root when run from a subdirectory', async () => {
    const repo = await tempRepo();
    const plainSub = join(repo, 'src', 'deep');
    mkdirSync(plainSub, { recursive: true });
    const r = await jidoka(plainSub, ['init']);
    expect(r.code).toBe(0);
    expect(existsSync(join(repo, 'jidoka.yaml'))).toBe(true);
    expect(existsSync(join(plainSub, 'jidoka.yaml'))).toBe(false);
  });

  it('keeps existing files byte for byte on a re-run and says so', async () => {
    const repo = await tempRepo();
    expect((await jidoka(repo, ['init'])).code).toBe(0);
    const edited = '# Context\n\nOur own words, kept.\r\nNo newline at the end';
    writeFileSync(join(repo, 'agents/CONTEXT.md'), edited);
    const r = await jidoka(repo, ['init']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(repo, 'agents/CONTEXT.md'), 'utf8')).toBe(edited);
    expect(r.stdout).toContain('kept    agents/CONTEXT.md (exists; --force to overwrite)');
    expect(r.stdout).toContain('kept    jidoka.yaml');
    expect(r.stdout).not.toMatch(/^created /m);
    expect(readFileSync(join(repo, '.gitignore'), 'utf8')).toBe('.jidoka/\n');
  });

  it('overwrites existing files with --force', async () => {
    const repo = await tempRepo();
    await jidoka(repo, ['init']);
    writeFileSync(join(repo, 'agents/CONTEXT.md'), 'mine\n');
    writeFileSync(join(repo, 'jidoka.yaml'), 'checks: [make]\n');
    const r = await jidoka(repo, ['init', '--force']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(repo, 'agents/CONTEXT.md'))).toEqual(template('agents/CONTEXT.md'));
    expect(readFileSync(join(repo, 'jidoka.yaml'))).toEqual(template('jidoka.yaml'));
    expect(r.stdout).toContain('rewrote agents/CONTEXT.md');
    expect(readFileSync(join(repo, '.gitignore'), 'utf8')).toBe('.jidoka/\n');
  });

  it('refuses outside a git repository with exit 2 and says what to do', async () => {
    const dir = tempDir();
    const r = await jidoka(dir, ['init']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${dir} is not inside a git repository`);
    expect(r.stderr).toMatch(/git init/);
    expect(existsSync(join(dir, 'jidoka.yaml'))).toBe(false);
  });

  it('appends .jidoka/ to an existing .gitignore and keeps its lines', async () => {
    const repo = await tempRepo();
    writeFileSync(join(repo, '.gitignore'), 'node_modules/\n\n# build output\ndist');
    const r = await jidoka(repo, ['init']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(repo, '.gitignore'), 'utf8')).toBe(
      'node_modules/\n\n# build output\ndist\n.jidoka/\n',
    );
    expect(r.stdout).toContain('updated .gitignore (added .jidoka/)');
  });
});

describe('addStateIgnore', () => {
  it('appends the line once, after a newline', () => {
    expect(addStateIgnore('')).toBe('.jidoka/\n');
    expect(addStateIgnore('a\n')).toBe('a\n.jidoka/\n');
    expect(addStateIgnore('a')).toBe('a\n.jidoka/\n');
  });

  it('recognizes the spellings that already ignore .jidoka', () => {
    for (const line of ['.jidoka', '.jidoka/', '/.jidoka', '/.jidoka/', '  .jidoka/  ']) {
      expect(addStateIgnore(`node_modules\n${line}\nx\n`), line).toBeUndefined();
    }
    expect(addStateIgnore('# .jidoka/\n')).toBe('# .jidoka/\n.jidoka/\n');
    expect(addStateIgnore('.jidoka-old/\n')).toBe('.jidoka-old/\n.jidoka/\n');
  });
});
