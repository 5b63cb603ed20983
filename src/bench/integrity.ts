import { execFileSync, spawnSync } from 'node:child_process';
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
 * `npm run bench` (second part): what the integrity guards cost. Three
 * one-chunk plans on a repository with a real node:test suite: a chunk that
 * only adds a test (no extra check run), a chunk that edits an existing test
 * (the held-out run of the base's tests), and the baseline (the checks once
 * at the plan's base, before chunk 1, cached per base commit). Then the
 * peak memory of `jidoka run` when the maker adds a 100 MB file, measured in
 * a child process (goal: under 300 MB; the file is blocked before any diff).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TEST = `const test = require('node:test');\nconst assert = require('node:assert');\n${Array.from(
  { length: 20 },
  (_, i) => `test('t${i}', () => { assert.strictEqual(${i} + 1, ${i + 1}); });`,
).join('\n')}\n`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

/** The maker script per scenario: only add a test, edit an existing test, or write a huge file. */
function agent(scenario: 'add' | 'edit' | 'huge'): string {
  const maker =
    scenario === 'add'
      ? `fs.writeFileSync('tests/extra.test.js', "require('node:test')('x', () => {});\\n");`
      : scenario === 'edit'
        ? `fs.writeFileSync('tests/a.test.js', fs.readFileSync('tests/a.test.js','utf8').replace('strictEqual(0 + 1, 1)', "strictEqual(0 + 1, 1, 'zero')"));`
        : `const b = Buffer.alloc(1 << 20, 97); const fd = fs.openSync('src/huge.txt', 'w'); for (let i = 0; i < 100; i++) fs.writeSync(fd, b); fs.closeSync(fd);`;
  return `const fs=require('fs');const r=process.env.JIDOKA_ROLE;
if(r==='maker'){fs.mkdirSync('src',{recursive:true});fs.writeFileSync('src/m.js','module.exports=1;\\n');${maker}}
else if(r==='checker'){fs.writeFileSync(process.env.JIDOKA_REPORT_FILE,JSON.stringify({decision:'approve',reasons:[]}));}
else if(r==='goal'){fs.writeFileSync(process.env.JIDOKA_REPORT_FILE,JSON.stringify({met:true,evidence:[]}));}
process.stdin.resume();process.stdin.on('end',()=>process.exit(0));`;
}

function makeLine(scenario: 'add' | 'edit' | 'huge'): { root: string; yaml: string } {
  const root = mkdtempSync(join(tmpdir(), 'jidoka-bench-integrity-'));
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'user.name', 'Bench');
  git(root, 'config', 'user.email', 'bench@example.invalid');
  const agentFile = join(root, '..', `${root.split('/').pop()}-agent.cjs`);
  writeFileSync(agentFile, agent(scenario));
  mkdirSync(join(root, 'tests'), { recursive: true });
  mkdirSync(join(root, 'plans'), { recursive: true });
  writeFileSync(join(root, '.gitignore'), '.jidoka/\n');
  writeFileSync(join(root, 'tests', 'a.test.js'), TEST);
  const command = [process.execPath, agentFile];
  const yaml = stringify({
    agents: {
      maker: { adapter: 'command', command },
      checker: { adapter: 'command', command },
      goal: { adapter: 'command', command },
    },
    checks: ['node --test tests/'],
    limits: { maxAttempts: 1 },
  });
  writeFileSync(join(root, 'jidoka.yaml'), yaml);
  const planFile = join(root, 'plans', 'bench.md');
  writeFileSync(
    planFile,
    `---\nid: bench\ntitle: Bench\nstatus: approved\nrisk: low\nscope: ["src/**", "tests/**"]\ngoal:\n  statement: s\ncreated: 2026-01-01\n---\n## Context\n\nBenchmark.\n\n## Chunk 1: one\n\nDo it.\n`,
  );
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'setup');
  recordApproval(root, 'bench', planFile, 'bench');
  setPlanStatus(planFile, 'approved');
  return { root, yaml };
}

/** One plan run: the duration of each recorded step by name. */
async function runOnce(scenario: 'add' | 'edit'): Promise<Record<string, number>> {
  const { root, yaml } = makeLine(scenario);
  const outcome = await executePlan({
    root,
    config: parseConfig(yaml),
    planId: 'bench',
    logger: pino({ level: 'silent' }),
  });
  const run = JSON.parse(
    readFileSync(join(root, '.jidoka', 'runs', outcome.runId, 'run.json'), 'utf8'),
  ) as RunRecord;
  rmSync(root, { recursive: true, force: true });
  const byName: Record<string, number> = {};
  for (const s of run.steps) byName[s.name] = (byName[s.name] ?? 0) + s.durationMs;
  return byName;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** In a child process: run one plan whose maker adds a 100 MB file, print the peak RSS in MB. */
async function hugeChild(): Promise<void> {
  const { root, yaml } = makeLine('huge');
  const outcome = await executePlan({
    root,
    config: parseConfig(yaml),
    planId: 'bench',
    logger: pino({ level: 'silent' }),
  });
  const state = JSON.parse(readFileSync(join(root, '.jidoka', 'state', 'plans', 'bench.json'), 'utf8')) as {
    attempts: { outcome: string; reasons: string[] }[];
  };
  const first = state.attempts[0];
  rmSync(root, { recursive: true, force: true });
  const status = `${outcome.status}; attempt ${first?.outcome}: ${first?.reasons[0]?.slice(0, 60) ?? ''}`;
  console.log(JSON.stringify({ status, peakMb: process.resourceUsage().maxRSS / 1024 }));
}

if (process.argv[2] === '--huge-child') {
  await hugeChild();
} else {
  const add: Record<string, number>[] = [];
  const edit: Record<string, number>[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    add.push(await runOnce('add'));
    edit.push(await runOnce('edit'));
  }
  const child = spawnSync(process.execPath, [process.argv[1]!, '--huge-child'], { encoding: 'utf8' });
  const huge = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as {
    status?: string;
    peakMb?: number;
  };
  const m = (runs: Record<string, number>[], name: string) => median(runs.map((r) => r[name] ?? 0));
  const rows = [
    ['measure (median of rounds)', 'value'],
    ['chunk checks (node --test, 20 tests)', `${m(add, 'checks').toFixed(0)} ms`],
    ['baseline at the plan base (once per base commit)', `${m(add, 'baseline').toFixed(0)} ms`],
    [
      'held-out run, chunk that only adds a test',
      `${m(add, 'held-out').toFixed(0)} ms (goal: 0, no extra run)`,
    ],
    ['held-out run, chunk that edits an existing test', `${m(edit, 'held-out').toFixed(0)} ms`],
    ['held-out / chunk checks', `${(m(edit, 'held-out') / m(edit, 'checks')).toFixed(2)}x`],
    [
      'peak RSS, maker adds a 100 MB file',
      `${huge.peakMb?.toFixed(0) ?? '?'} MB (goal < 300 MB; ${huge.status ?? child.stderr.slice(0, 200)})`,
    ],
  ];
  const w = Math.max(...rows.map((r) => r[0]!.length));
  console.log(rows.map((r) => `${r[0]!.padEnd(w)}  ${r[1]}`).join('\n'));
  const ok = m(add, 'held-out') === 0 && (huge.peakMb ?? Infinity) < 300;
  console.log(
    ok ? 'PASS: adding tests costs no held-out run; peak memory under 300 MB' : 'OVER: see the rows above',
  );
}
