import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentHash } from '../wiki/hash.js';
import { generateWiki, pagePath } from './wiki-generate.js';

/**
 * `npm run bench:wiki [-- --pages 1000,10000] [--only jidoka] [--real <git url or dir>|none]`:
 * the wiki linter against the tools people know, in one run, on synthetic
 * wikis and on a real documentation tree nobody here wrote (MicrosoftDocs/
 * cpp-docs, 9,746 pages, at a fixed commit: cloned on demand into the temp
 * folder, never committed; `--real` names another clone or a local mirror).
 * Every row is its own process; time is wall clock, memory is the peak
 * resident set (from /usr/bin/time when present, else the process's own).
 * Ratios are against the remark parse floor measured in the same run.
 */
interface Row {
  tool: string;
  /** The corpus (see Corpus.label). */
  pages: string;
  seconds: number;
  rssMb: number | undefined;
  note: string;
}

const here = dirname(fileURLToPath(import.meta.url));

/** An installed package's folder (dev dependencies; their exports hide package.json from require.resolve). */
function pkgDir(name: string): string {
  for (let d = here; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(d) === d) throw new Error(`${name} is not installed; run npm install`);
  }
}
const RUN = join(here, 'wiki-run.js');
/** Jidoka is measured as users run it: the CLI, start-up and config included. */
const CLI = join(here, '..', 'cli', 'main.js');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const sizes = arg('--pages', '1000,10000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => n > 0);
const only = arg('--only', '');

/** Run a process to completion; wall seconds and peak RSS (MB). */
function measure(
  file: string,
  args: string[],
  cwd: string,
): Promise<{ seconds: number; rssMb?: number; stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const [cmd, argv] = TIME ? [TIME, ['-f', '@@rss %M', file, ...args]] : [file, args];
    const started = performance.now();
    const child = spawn(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-20_000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const m = /@@rss (\d+)/.exec(stderr);
      const own = /"maxRssMb":(\d+)/.exec(stdout);
      const rssMb = m ? Math.round(Number(m[1]) / 1024) : own ? Number(own[1]) : undefined;
      resolve({ seconds, rssMb, stdout, stderr: stderr.replace(/@@rss \d+\n?/, ''), code: code ?? -1 });
    });
  });
}

function hashAll(dir: string, only: RegExp): number {
  const started = performance.now();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (only.test(e.name)) contentHash(readFileSync(p));
    }
  };
  walk(dir);
  return (performance.now() - started) / 1000;
}

/** A tree of markdown to lint: a synthetic wiki, or a real documentation tree. */
interface Corpus {
  /** The table's label for it. */
  label: string;
  /** Repository root; the markdown is in `root/folder`. */
  root: string;
  folder: string;
  /** The page edited before each "one page changed" run (repo-relative). */
  victim: string;
  /** Run markdownlint-cli2 too (slow, and checks no links: only on the synthetic wikis). */
  markdownlint: boolean;
}

/** The real documentation tree: MicrosoftDocs/cpp-docs at a fixed commit (9,746 pages in docs/). */
const REAL = { name: 'cpp-docs', commit: 'a2e592a8fc391b6aff8d1323f5b58696abdc5d57', folder: 'docs' };
const REAL_SOURCE = arg('--real', 'https://github.com/MicrosoftDocs/cpp-docs.git');

/** Clone the real tree once (kept in the temp folder for later runs) and unpack its commit into `root`. */
function realCorpus(): Corpus | undefined {
  if (REAL_SOURCE === 'none') return undefined;
  const store = join(tmpdir(), 'jidoka-bench-corpora', `${REAL.name}.git`);
  if (!existsSync(store)) {
    process.stderr.write(`cloning ${REAL_SOURCE} into ${store} (once)\n`);
    execFileSync('git', ['clone', '--quiet', '--bare', REAL_SOURCE, store], { stdio: 'inherit' });
  }
  const root = mkdtempSync(join(tmpdir(), `jidoka-bench-${REAL.name}-`));
  execFileSync('sh', ['-c', `git --git-dir="${store}" archive ${REAL.commit} | tar -x -C "${root}"`]);
  execFileSync('git', ['init', '-q'], { cwd: root });
  const pages = execFileSync(
    'git',
    ['--git-dir', store, 'ls-tree', '-r', '--name-only', REAL.commit, `${REAL.folder}/`],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  )
    .split('\n')
    .filter((p) => p.endsWith('.md'));
  return {
    label: `${REAL.name} (${pages.length} pages)`,
    root,
    folder: REAL.folder,
    victim: pages[Math.floor(pages.length / 2)]!,
    markdownlint: false,
  };
}

function syntheticCorpus(pages: number): Corpus {
  const root = mkdtempSync(join(tmpdir(), `jidoka-bench-wiki-${pages}-`));
  const t = performance.now();
  generateWiki(root, pages);
  process.stderr.write(
    `${pages} pages generated in ${((performance.now() - t) / 1000).toFixed(1)} s in ${root}\n`,
  );
  return {
    label: `synthetic ${pages}`,
    root,
    folder: 'wiki',
    victim: `wiki/${pagePath(Math.floor(pages / 2))}`,
    markdownlint: true,
  };
}

async function benchCorpus(corpus: Corpus): Promise<Row[]> {
  const { root, folder } = corpus;
  const pages = corpus.label;
  const rows: Row[] = [];
  const add = (tool: string, r: { seconds: number; rssMb?: number }, note = '') => {
    rows.push({ tool, pages, seconds: r.seconds, rssMb: r.rssMb, note });
    process.stderr.write(`  ${pages}: ${tool}: ${r.seconds.toFixed(2)} s, ${r.rssMb ?? '?'} MB ${note}\n`);
  };
  try {
    const wiki = join(root, folder);
    const node = process.execPath;

    add('remark parse floor (remark-parse, 1 thread)', await measure(node, [RUN, 'floor', wiki], root));
    add('remark parse + frontmatter + gfm (1 thread)', await measure(node, [RUN, 'floor-gfm', wiki], root));

    const lint = () => measure(node, [CLI, 'wiki', 'lint', folder, '--json'], root);
    rmSync(join(root, '.jidoka'), { recursive: true, force: true });
    const cold = await lint();
    add('jidoka wiki lint, cold (no cache)', cold, findingsNote(cold.stdout));
    // Short runs vary by tens of milliseconds on a shared machine: the median of five, with the range.
    const median = async (before?: (i: number) => void) => {
      const runs: Awaited<ReturnType<typeof lint>>[] = [];
      for (let i = 0; i < 5; i++) {
        before?.(i);
        runs.push(await lint());
      }
      const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
      const range = `median of 5, ${sorted[0]!.seconds.toFixed(2)}–${sorted[4]!.seconds.toFixed(2)} s`;
      return { run: sorted[2]!, range };
    };
    const warm = await median();
    add('jidoka wiki lint, warm (nothing changed)', warm.run, warm.range);
    // Each run after one more edit of a page in the middle of the wiki.
    const victim = join(root, corpus.victim);
    const inc = await median((i) =>
      execFileSync('sh', ['-c', `echo "One more line (${i})." >> "${victim}"`]),
    );
    add('jidoka wiki lint, one page changed', inc.run, `${findingsNote(inc.run.stdout)}, ${inc.range}`);

    const hashSeconds = hashAll(wiki, /\.md$/);
    rows.push({
      tool: 'content hash of every file (sha1)',
      pages,
      seconds: hashSeconds,
      rssMb: undefined,
      note: 'in the bench process',
    });

    if (only !== 'jidoka') {
      const remarkCli = join(pkgDir('remark-cli'), 'cli.js');
      // unified-engine imports plugins given as paths only when they name the file.
      const frontmatter = join(pkgDir('remark-frontmatter'), 'index.js');
      const validate = join(pkgDir('remark-validate-links'), 'index.js');
      const remark = await measure(
        node,
        [
          remarkCli,
          folder,
          '--no-config',
          '--no-ignore',
          '--quiet',
          '--no-stdout',
          '--use',
          frontmatter,
          '--use',
          `${validate}=repository:false`,
        ],
        root,
      );
      add(
        'remark-cli + frontmatter + validate-links (repository: false)',
        remark,
        toolNote(remark.stdout + remark.stderr),
      );
      if (corpus.markdownlint) {
        const mdl = join(pkgDir('markdownlint-cli2'), 'markdownlint-cli2-bin.mjs');
        const md = await measure(node, [mdl, `${folder}/**/*.md`], root);
        add('markdownlint-cli2 (no cross-file link checks)', md, toolNote(md.stdout + md.stderr));
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return rows;
}

/** The tool's own summary line, or that it could not run: a failed tool must not look fast. */
function toolNote(raw: string): string {
  const output = raw.replace(/\x1b\[[0-9;]*m/g, '');
  if (/Cannot process file|Error:/.test(output)) return 'FAILED: see its output';
  const summary =
    /[✖⚠] (\d+ (?:errors?|warnings?|messages?)[^\n]*)/.exec(output) ??
    /Summary: (\d+ error\(?s?\)?)/.exec(output);
  return summary?.[1]?.trim() ?? '';
}

function findingsNote(stdout: string): string {
  try {
    const r = JSON.parse(stdout) as { findings?: unknown[] };
    return `${r.findings?.length} findings`;
  } catch {
    return 'FAILED: no JSON report';
  }
}

function table(rows: Row[]): string {
  const out: string[] = [];
  const head = ['tool', 'corpus', 'seconds', 'peak RSS MB', '× floor', 'note'];
  const lines: string[][] = [head];
  for (const size of new Set(rows.map((r) => r.pages))) {
    const group = rows.filter((r) => r.pages === size);
    const floor = group[0]!.seconds;
    for (const r of group)
      lines.push([
        r.tool,
        r.pages,
        r.seconds.toFixed(2),
        r.rssMb === undefined ? '' : String(r.rssMb),
        (r.seconds / floor).toFixed(2),
        r.note,
      ]);
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  for (const [n, l] of lines.entries()) {
    out.push(
      l
        .map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    );
    if (n === 0) out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  return out.join('\n');
}

function verdicts(rows: Row[]): string[] {
  const out: string[] = [];
  for (const size of new Set(rows.map((r) => r.pages))) {
    const g = rows.filter((r) => r.pages === size);
    const floor = g[0]!.seconds;
    const cold = g.find((r) => r.tool.includes('cold'))!;
    const inc = g.find((r) => r.tool.includes('one page changed'))!;
    out.push(
      `${size} pages: cold lint ${(cold.seconds / floor).toFixed(2)}× the parse floor (goal ≤ 1.3×: ${cold.seconds / floor <= 1.3 ? 'met' : 'not met'}); one page changed ${inc.seconds.toFixed(2)} s (goal < 1 s: ${inc.seconds < 1 ? 'met' : 'not met'})`,
    );
  }
  return out;
}

const all: Row[] = [];
const corpora: (() => Corpus | undefined)[] = [...sizes.map((n) => () => syntheticCorpus(n)), realCorpus];
for (const make of corpora) {
  const corpus = make();
  if (corpus) all.push(...(await benchCorpus(corpus)));
}
const cpus = statSync('/proc/cpuinfo', { throwIfNoEntry: false })
  ? readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length
  : undefined;
process.stdout.write(
  `\nwiki lint benchmark (node ${process.version}${cpus ? `, ${cpus} cores` : ''})\n\n${table(all)}\n\n${verdicts(all).join('\n')}\n`,
);
