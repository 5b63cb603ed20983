import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A synthetic wiki for the benchmark: `pages` interlinked pages of 300–1,500
 * words with frontmatter, headings, links to other pages and their headings,
 * wikilinks, some broken links and anchors, an index and a log, in a git
 * repository with a few source folders. Deterministic for a given size.
 */
const WORDS =
  'line plan chunk attempt step role verdict incident breaker maker checker goal worktree branch commit merge diff scope test check agent prompt report wiki page index log schema source module function error retry budget timeout signal process queue state daemon cron watcher config value limit andon kaizen standard root cause countermeasure evidence category confidence'.split(
    ' ',
  );
const PER_FOLDER = 100;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pagePath(i: number): string {
  const section = i % 2 === 0 ? '20_SYSTEM' : '10_DOMAIN';
  return `${section}/group-${Math.floor(i / PER_FOLDER)}/page-${i}.md`;
}

function headingsOf(i: number): string[] {
  return Array.from({ length: 3 + (i % 5) }, (_, k) => `Part ${k + 1} of page ${i}`);
}

const slug = (h: string) => h.toLowerCase().replace(/ /g, '-');

export function generateWiki(root: string, pages: number): { head: string } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  mkdirSync(root, { recursive: true });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Bench');
  git('config', 'user.email', 'bench@example.invalid');
  const modules = Math.max(1, Math.ceil(pages / PER_FOLDER));
  for (let m = 0; m < modules; m++) {
    mkdirSync(join(root, 'src', `mod-${m}`), { recursive: true });
    writeFileSync(join(root, 'src', `mod-${m}`, 'index.ts'), `export const m${m} = ${m};\n`);
  }
  writeFileSync(join(root, '.gitignore'), '.jidoka/\n');
  // The documented config `jidoka init` writes: a lint reads and validates it, as in a real repository.
  copyFileSync(new URL('../../templates/jidoka.yaml', import.meta.url), join(root, 'jidoka.yaml'));
  git('add', '-A');
  git('commit', '-q', '-m', 'sources');
  const head = git('rev-parse', 'HEAD');

  const wiki = join(root, 'wiki');
  const rand = rng(pages);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  for (let i = 0; i < pages; i++) {
    const rel = pagePath(i);
    const dir = join(wiki, rel, '..');
    mkdirSync(dir, { recursive: true });
    const total = 300 + Math.floor(rand() * 1200);
    const heads = headingsOf(i);
    const per = Math.ceil(total / heads.length);
    const body: string[] = [`# Page ${i}`, '', `${words(40)}.`, ''];
    heads.forEach((h, k) => {
      body.push(`## ${h}`, '');
      let left = per;
      while (left > 0) {
        const n = Math.min(left, 60 + Math.floor(rand() * 60));
        const target = Math.floor(rand() * pages);
        const anchor = rand() < 0.5 ? `#${slug(pick(headingsOf(target)))}` : '';
        const link = `[page ${target}](${relLink(rel, pagePath(target))}${anchor})`;
        const extra = rand() < 0.1 ? ` see [[page-${Math.floor(rand() * pages)}]]` : '';
        body.push(`${words(n)} ${link}${extra}, *${pick(WORDS)}* and \`${pick(WORDS)}\`.`, '');
        left -= n;
      }
      if (k === 1 && i % 50 === 7)
        body.push(`A [broken link](missing-${i}.md) and a [bad anchor](#no-such-heading).`, '');
      if (k === 2) body.push('| key | value |', '|---|---|', `| ${pick(WORDS)} | ${pick(WORDS)} |`, '');
    });
    const fm = [
      '---',
      `title: Page ${i}`,
      `type: ${i % 2 === 0 ? 'system' : 'domain'}`,
      'sources:',
      `  - src/mod-${Math.floor(i / PER_FOLDER)}/**`,
      `verified: ${head}`,
      'updated: 2025-01-01',
      '---',
    ];
    writeFileSync(join(wiki, rel), `${fm.join('\n')}\n${body.join('\n')}`);
  }
  const index = [
    '# Index',
    '',
    ...Array.from({ length: pages }, (_, i) => `- [Page ${i}](${pagePath(i)})`),
    '',
  ];
  writeFileSync(join(wiki, 'index.md'), index.join('\n'));
  writeFileSync(join(wiki, 'log.md'), '# Log\n\n## 2025-01-01 sync | generated\n\n- head: x\n');
  writeFileSync(join(wiki, '00_SCHEMA.md'), '# Schema\n\nSynthetic wiki for the benchmark.\n');
  return { head };
}

function relLink(from: string, to: string): string {
  const a = from.split('/').slice(0, -1);
  const b = to.split('/');
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return [...Array(a.length - i).fill('..'), ...b.slice(i)].join('/');
}
