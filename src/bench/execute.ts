import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { parseConfig } from '../config/load.js';
import { executePlan } from '../loops/execute/execute.js';
import type { RunRecord } from '../loops/run-record.js';
import { recordApproval } from '../plans/approval.js';
import { setPlanStatus } from '../plans/store.js';

/**
 * `npm run bench`: Jidoka's own overhead per chunk. Plans of a few and of
 * many chunks run with instant scripted agents (a tiny node script) and a
 * no-op check; the time the processes themselves took (as the runner
 * measured them) is subtracted from the wall time, leaving what Jidoka adds:
 * prompts, state checkpoints, diffs, guards, commits. The two plan sizes
 * separate the cost of each further chunk (the slope) from the once-per-plan
 * cost (worktree, run record, fsck, goal phase). The same run measures the
 * raw git operations a chunk needs (add, write-tree, diff, commit) as the floor.
 */
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 10);
const SMALL = 2;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const AGENT = `const fs=require('fs');const r=process.env.JIDOKA_ROLE;
if(r==='maker'){fs.mkdirSync('src',{recursive:true});fs.writeFileSync('src/m'+process.env.JIDOKA_CHUNK+'.js','module.exports='+process.env.JIDOKA_CHUNK+';\\n');}
else if(r==='checker'){fs.writeFileSync(process.env.JIDOKA_REPORT_FILE,JSON.stringify({decision:'approve',reasons:[]}));}
else if(r==='goal'){fs.writeFileSync(process.env.JIDOKA_REPORT_FILE,JSON.stringify({met:true,evidence:[]}));}
process.stdin.resume();process.stdin.on('end',()=>process.exit(0));`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

function makeRepo(): { root: string; agent: string } {
  const root = mkdtempSync(join(tmpdir(), 'jidoka-bench-'));
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'user.name', 'Bench');
  git(root, 'config', 'user.email', 'bench@example.invalid');
  const agent = join(root, '..', `${root.split('/').pop()}-agent.cjs`);
  writeFileSync(agent, AGENT);
  writeFileSync(join(root, '.gitignore'), '.jidoka/\n');
  writeFileSync(join(root, 'README.md'), '# bench\n');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'initial');
  return { root, agent };
}

function plan(id: string, chunkCount: number): string {
  const chunks = Array.from(
    { length: chunkCount },
    (_, i) => `## Chunk ${i + 1}: module ${i + 1}\n\nWrite src/m${i + 1}.js.\n`,
  ).join('\n');
  return `---\nid: ${id}\ntitle: Bench\nstatus: approved\nrisk: low\nscope: ["src/**"]\ngoal:\n  statement: all modules exist\ncreated: 2026-01-01\n---\n## Context\n\nBenchmark.\n\n${chunks}`;
}

async function jidokaRound(chunkCount: number): Promise<{ wallMs: number; processMs: number }> {
  const { root, agent } = makeRepo();
  const command = [process.execPath, agent];
  const yaml = stringify({
    agents: {
      maker: { adapter: 'command', command },
      checker: { adapter: 'command', command },
      goal: { adapter: 'command', command },
    },
    checks: ['true'],
  });
  writeFileSync(join(root, 'jidoka.yaml'), yaml);
  const planFile = join(root, 'plans', 'bench.md');
  mkdirSync(join(root, 'plans'), { recursive: true });
  writeFileSync(planFile, plan('bench', chunkCount));
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'setup');
  recordApproval(root, 'bench', planFile, 'bench');
  setPlanStatus(planFile, 'approved');
  const config = parseConfig(yaml);
  const started = performance.now();
  const outcome = await executePlan({ root, config, planId: 'bench', logger: pino({ level: 'silent' }) });
  const wallMs = performance.now() - started;
  if (outcome.status !== 'done') throw new Error(`bench plan did not finish: ${outcome.message}`);
  const run = JSON.parse(
    readFileSync(join(root, '.jidoka', 'runs', outcome.runId, 'run.json'), 'utf8'),
  ) as RunRecord;
  const processMs = run.steps.reduce(
    (n, s) =>
      n +
      (typeof s.detail?.processMs === 'number'
        ? s.detail.processMs
        : s.name.includes('checks')
          ? s.durationMs
          : 0),
    0,
  );
  rmSync(root, { recursive: true, force: true });
  return { wallMs, processMs };
}

function gitFloorRound(): number {
  const { root } = makeRepo();
  const started = performance.now();
  git(root, 'worktree', 'add', '-q', '-b', 'jidoka/bench', join(root, '.jidoka', 'wt'));
  const wt = join(root, '.jidoka', 'wt');
  for (let i = 1; i <= CHUNKS; i++) {
    mkdirSync(join(wt, 'src'), { recursive: true });
    writeFileSync(join(wt, 'src', `m${i}.js`), `module.exports=${i};\n`);
    git(wt, 'add', '-A');
    git(wt, 'write-tree');
    git(wt, 'diff', '--cached', '-M', 'HEAD');
    git(wt, 'commit', '-q', '-m', `chunk ${i}`);
  }
  const ms = performance.now() - started;
  rmSync(root, { recursive: true, force: true });
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const large: number[] = [];
const small: number[] = [];
const walls: number[] = [];
const procs: number[] = [];
const floors: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const big = await jidokaRound(CHUNKS);
  large.push(big.wallMs - big.processMs);
  walls.push(big.wallMs);
  procs.push(big.processMs);
  const few = await jidokaRound(SMALL);
  small.push(few.wallMs - few.processMs);
  floors.push(gitFloorRound());
}
const perChunk = (median(large) - median(small)) / (CHUNKS - SMALL);
const perPlan = median(small) - SMALL * perChunk;
const amortized = median(large) / CHUNKS;
const gitPerChunk = median(floors) / CHUNKS;
const rows = [
  ['measure', 'value'],
  ['rounds (medians reported)', String(ROUNDS)],
  [`plan of ${CHUNKS} chunks: wall time`, `${median(walls).toFixed(0)} ms`],
  [`plan of ${CHUNKS} chunks: agent + check processes`, `${median(procs).toFixed(0)} ms`],
  ['Jidoka overhead per further chunk', `${perChunk.toFixed(1)} ms (goal < 150 ms)`],
  ['Jidoka overhead once per plan', `${perPlan.toFixed(0)} ms (worktree, records, fsck, goal phase)`],
  [`overhead per chunk, ${CHUNKS}-chunk plan, all included`, `${amortized.toFixed(1)} ms`],
  ['raw git ops per chunk (floor)', `${gitPerChunk.toFixed(1)} ms`],
  ['per-chunk overhead / raw git', `${(perChunk / gitPerChunk).toFixed(2)}x`],
];
const w = Math.max(...rows.map((r) => r[0]!.length));
console.log(rows.map((r) => `${r[0]!.padEnd(w)}  ${r[1]}`).join('\n'));
console.log(
  perChunk < 150 ? 'PASS: overhead per chunk under 150 ms' : 'OVER: overhead per chunk above the 150 ms goal',
);
