import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../support/repo.js';
import { indexOf, page, tempRepo, write } from './helpers.js';

/**
 * One bad page is that page's finding, never the end of the lint: the built
 * CLI on pages generated here (nothing large is committed).
 */

function jidoka(cwd: string, ...args: string[]): CliResult {
  return runCli(cwd, args, { JIDOKA_LOG_LEVEL: 'silent' });
}

interface JsonFinding {
  rule: string;
  file: string;
  line: number;
  column: number;
  message: string;
}

/** A wiki of a good page plus `bad` (wiki-relative path → content), linted with --json --no-cache. */
function lintWith(
  bad: Record<string, string | Buffer>,
  yaml = '',
): { code: number; findings: JsonFinding[] } {
  const dir = tempRepo();
  if (yaml) write(dir, 'jidoka.yaml', yaml);
  write(dir, 'wiki/00_SCHEMA.md', '# Schema\n');
  const good = page('Good', '## Usage\n\nFine.');
  write(dir, 'wiki/good.md', good);
  for (const [p, t] of Object.entries(bad)) {
    write(dir, `wiki/${p}`, '');
    writeFileSync(join(dir, 'wiki', p), t);
  }
  write(dir, 'wiki/index.md', indexOf(['good.md', ...Object.keys(bad)]));
  const r = jidoka(dir, 'wiki', 'lint', '--json', '--no-cache');
  if (r.code === 2 || !r.stdout) throw new Error(`lint failed (${r.code}): ${r.stderr}`);
  const findings = (JSON.parse(r.stdout).findings as JsonFinding[]).filter(
    (f) => !['unknown-verified', 'uncovered-source'].includes(f.rule),
  );
  return { code: r.code, findings };
}

const summary = (findings: JsonFinding[]) => findings.map((f) => `${f.rule} ${f.file}:${f.line}`);

describe('hostile pages', () => {
  it('a clean wiki stays clean (exit 0): the fixture itself is fine', () => {
    const r = lintWith({ 'other.md': page('Other', 'See [good](good.md#usage).') });
    expect(r.findings).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('a YAML alias bomb in frontmatter is bad YAML on its page (exit 1, not 2)', () => {
    const bomb = [
      '---',
      'title: Bomb',
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      '---',
      '# Bomb',
      '',
    ].join('\n');
    const r = lintWith({ 'bomb.md': bomb });
    expect(r.code).toBe(1);
    // The line of the first alias (core/yaml.ts names where the expansion starts).
    expect(summary(r.findings)).toEqual(['frontmatter-invalid wiki/bomb.md:4']);
    expect(r.findings[0]!.message).toMatch(/alias/i);
  });

  it('block quotes and lists nested thousands deep are page-unreadable with the line, the rest is linted', () => {
    const quotes = `${'>'.repeat(5000)} deep\n`;
    const list = Array.from({ length: 300 }, (_, i) => `${' '.repeat(i * 2)}- x`).join('\n');
    const r = lintWith({
      'quotes.md': quotes,
      'list.md': `# L\n\n${list}\n`,
      'broken.md': page('Broken', '[x](nope.md)'),
    });
    expect(r.code).toBe(1);
    expect(summary(r.findings)).toEqual([
      'broken-link wiki/broken.md:11',
      'page-unreadable wiki/list.md:302',
      'page-unreadable wiki/quotes.md:1',
    ]);
    expect(r.findings[1]!.message).toMatch(
      /^not linted: lists or block quotes nested about \d+ deep, over wiki\.maxNesting \(32\)/,
    );
  });

  it('a page over wiki.maxPageBytes is page-unreadable, not parsed', () => {
    const big = page('Big', 'Some words in a paragraph. '.repeat(40_000)); // ~1.1 MB
    const r = lintWith({ 'big.md': big });
    expect(summary(r.findings)).toEqual(['page-unreadable wiki/big.md:1']);
    expect(r.findings[0]!.message).toMatch(/\d+ bytes, over wiki\.maxPageBytes \(1048576\)/);
    const small = lintWith(
      { 'big.md': page('Big', 'word '.repeat(600)), 'ok.md': page('Ok', 'word '.repeat(100)) },
      'wiki:\n  maxPageBytes: 2000\n',
    );
    expect(summary(small.findings)).toEqual(['page-unreadable wiki/big.md:1']);
    expect(small.findings[0]!.message).toMatch(/over wiki\.maxPageBytes \(2000\)/);
  });

  it('a page whose parse outlasts wiki.parseTimeout is stopped and reported; the pages after it are linted', () => {
    const block = `${Array.from({ length: 30 }, (_, i) => `${' '.repeat(i * 2)}- x`).join('\n')}\n\n`;
    const slow = `# Slow\n\n${block.repeat(Math.floor(200_000 / block.length))}`;
    const r = lintWith(
      { 'a-slow.md': slow, 'b-broken.md': page('B', '[x](nope.md)') },
      'wiki:\n  parseTimeout: 200ms\n',
    );
    expect(summary(r.findings)).toEqual([
      'page-unreadable wiki/a-slow.md:1',
      'broken-link wiki/b-broken.md:11',
    ]);
    expect(r.findings[0]!.message).toMatch(/took over 200 ms \(wiki\.parseTimeout\)/);
  });

  it('invalid UTF-8 is a finding at its line and column; the page is still linted', () => {
    const [before, after] = page('Latin', 'Café au lait, [x](nope.md)').split('é');
    const bytes = Buffer.concat([Buffer.from(before!), Buffer.from([0xe9]), Buffer.from(after!)]);
    const r = lintWith({ 'latin.md': bytes });
    expect(summary(r.findings)).toEqual(['invalid-utf8 wiki/latin.md:11', 'broken-link wiki/latin.md:11']);
    expect(r.findings.map((f) => f.column)).toEqual([4, 15]);
    expect(lintWith({ 'latin.md': page('Latin', 'Café au lait.') }).findings).toEqual([]);
  });
});
