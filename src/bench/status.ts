import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spreadOf } from '../metrics/spread.js';

/**
 * `npm run bench` (status part): `jidoka status` on a repository that has
 * run for a while (plans in every status, incidents, a ledger of 20,000
 * lines, run records), started N times, against `node -e 0` started N times
 * in the same run, interleaved so machine load hits both alike. Goal: a p50
 * under 150 ms; the ratio to bare node says what is ours, and carries over
 * to a machine under load, where both are slower.
 */
const N = Number(process.env.BENCH_STATUS_N ?? 30);
const GOAL_MS = 150;
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');
/** What `jidoka` runs (package.json `bin`). */
const BIN = join(dirname(CLI), 'bin.cjs');

function sh(cwd: string, file: string, args: string[]): string {
  const r = spawnSync(file, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1)
    throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** A repository as weeks of running leave it. */
function fixture(dir: string): string {
  const root = join(dir, 'repo');
  mkdirSync(root);
  sh(root, 'git', ['init', '-q', '-b', 'main']);
  sh(root, 'git', [
    '-c',
    'user.name=b',
    '-c',
    'user.email=b@b',
    'commit',
    '-q',
    '--allow-empty',
    '-m',
    'init',
  ]);
  sh(root, process.execPath, [CLI, 'init']);
  const template = readFileSync(join(root, 'plans', 'TEMPLATE.md'), 'utf8');
  const statuses = ['proposed', 'approved', 'active', 'done', 'failed', 'rejected'];
  for (let i = 0; i < 24; i++) {
    const id = `plan-${i}`;
    const text = template
      .replace(/^id: .*$/m, `id: ${id}`)
      .replace(/^status: .*$/m, `status: ${statuses[i % statuses.length]}`);
    writeFileSync(join(root, 'plans', `${id}.md`), text);
  }
  const ledger: string[] = [];
  const day = Date.now() - 30 * 86_400_000;
  for (let i = 0; i < 20_000; i++) {
    const at = new Date(day + i * 120_000).toISOString();
    ledger.push(
      JSON.stringify({
        at,
        event: 'run.finished',
        run: `r${i}`,
        plan: `plan-${i % 24}`,
        outcome: 'done',
        costUsd: 0.01,
        tokens: 100,
      }),
    );
  }
  mkdirSync(join(root, '.jidoka'), { recursive: true });
  writeFileSync(join(root, '.jidoka', 'ledger.jsonl'), `${ledger.join('\n')}\n`);
  for (let i = 0; i < 3; i++)
    sh(root, process.execPath, [CLI, 'andon', 'pull', '--reason', `bench stop ${i}`]);
  sh(root, process.execPath, [CLI, 'status']); // warms the config cache, as any earlier command would
  return root;
}

function timeOnce(cwd: string, args: string[]): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, stdio: 'ignore' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return performance.now() - started;
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'jidoka-bench-status-'));
  try {
    const root = fixture(dir);
    const node: number[] = [];
    const status: number[] = [];
    for (let i = 0; i < N; i++) {
      node.push(timeOnce(root, ['-e', '0']));
      status.push(timeOnce(root, [BIN, 'status']));
    }
    const row = (name: string, xs: number[]) => {
      const { p50, p90 } = spreadOf(xs);
      return `  ${name.padEnd(15)} p50 ${p50?.toFixed(0).padStart(4)} ms   p90 ${p90?.toFixed(0).padStart(4)} ms`;
    };
    const s = spreadOf(status).p50 ?? Number.NaN;
    const n = spreadOf(node).p50 ?? Number.NaN;
    const load = loadavg().map((l) => l.toFixed(1));
    console.log(
      `status: ${N} runs of \`jidoka status\` (24 plans, 3 incidents, 20,000 ledger lines), load ${load.join(' ')}`,
    );
    console.log(row('node -e 0', node));
    console.log(row('jidoka status', status));
    console.log(`  ratio           ${(s / n).toFixed(2)} × node's own start (p50s)`);
    console.log(
      `  goal            p50 < ${GOAL_MS} ms: ${s < GOAL_MS ? 'met' : 'MISSED'} (${s.toFixed(0)} ms)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
