import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { LedgerEntry } from '../core/ledger.js';
import { recordApproval } from '../plans/approval.js';
import { setPlanStatus } from '../plans/store.js';

/**
 * `npm run bench` (parallel part): what `limits.maxParallelPlans` buys.
 * Three plans of three chunks, approved together, run by `jidoka daemon`
 * with scripted agents (the `command` adapter) that take 2 s a step,
 * standing in for a model's latency: with one plan slot and with three,
 * `BENCH_PARALLEL_ROUNDS` (2) rounds of each, alternating. The makespan is daemon start to the last plan on main, through the
 * merge queue (`merge.mode: auto`, each plan merged with main in a scratch
 * worktree and its checks run there). Goal: ratio ≤ 0.45 on this 2-core
 * machine. The queue's cost per plan is the time from the plan's run ending
 * `done` to main moving (the ledger's `run.finished` and `plan.merged`).
 */
const STEP_MS = Number(process.env.BENCH_STEP_MS ?? 2000);
const PLANS = ['a', 'b', 'c'];
const CHUNKS = 3;
const GOAL_RATIO = 0.45;
const ROUNDS = Number(process.env.BENCH_PARALLEL_ROUNDS ?? 2);
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');

// Each agent step waits STEP_MS (the model thinking), then does its job: the maker writes the chunk's module.
const AGENT = `const fs=require('fs');const r=process.env.JIDOKA_ROLE;
setTimeout(()=>{
if(r==='maker'){fs.mkdirSync('src',{recursive:true});fs.writeFileSync('src/'+process.env.JIDOKA_PLAN+process.env.JIDOKA_CHUNK+'.js','module.exports='+process.env.JIDOKA_CHUNK+';\\n');}
else if(r==='checker'){fs.writeFileSync(process.env.JIDOKA_REPORT_FILE,JSON.stringify({decision:'approve',reasons:[]}));}
else if(r==='goal'){fs.writeFileSync(process.env.JIDOKA_REPORT_FILE,JSON.stringify({met:true,evidence:[]}));}
process.exit(0);},${STEP_MS});`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

function plan(id: string): string {
  const chunks = Array.from(
    { length: CHUNKS },
    (_, i) => `## Chunk ${i + 1}: module ${i + 1}\n\nWrite src/${id}${i + 1}.js.\n`,
  ).join('\n');
  return `---\nid: ${id}\ntitle: Bench ${id}\nstatus: proposed\nrisk: low\nscope: ["src/**"]\ngoal:\n  statement: the modules exist\ncreated: 2026-01-01\n---\n## Context\n\nBenchmark.\n\n${chunks}`;
}

/** A repository with the three plans approved, for `slots` plan slots. */
function fixture(dir: string, slots: number): string {
  const root = join(dir, `repo-${slots}`);
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(root, 'plans'), { recursive: true });
  const agent = join(dir, 'agent.cjs');
  writeFileSync(agent, AGENT);
  const command = [process.execPath, agent];
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'user.name', 'Bench');
  git(root, 'config', 'user.email', 'bench@example.invalid');
  writeFileSync(join(root, '.gitignore'), '.jidoka/\n');
  writeFileSync(
    join(root, 'jidoka.yaml'),
    stringify({
      agents: Object.fromEntries(
        ['maker', 'checker', 'goal'].map((r) => [r, { adapter: 'command', command }]),
      ),
      checks: ['node -e "process.exit(0)"'],
      limits: { maxParallelPlans: slots },
      merge: { mode: 'auto' },
    }),
  );
  for (const id of PLANS) writeFileSync(join(root, 'plans', `${id}.md`), plan(id));
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'bench setup');
  for (const id of PLANS) {
    const file = join(root, 'plans', `${id}.md`);
    recordApproval(root, id, file, 'bench');
    setPlanStatus(file, 'approved');
  }
  return root;
}

function ledger(root: string): LedgerEntry[] {
  const file = join(root, '.jidoka', 'ledger.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LedgerEntry];
      } catch {
        return [];
      }
    });
}

interface Round {
  slots: number;
  makespanMs: number;
  /** Per plan: its run ended done → main moved to its merge commit. */
  doneToMainMs: number[];
  /** Per plan: the queue step itself (from when the queue could take it: done, and the previous merge over). */
  stepMs: number[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function round(dir: string, slots: number): Promise<Round> {
  const root = fixture(dir, slots);
  const log = openSync(join(dir, `daemon-${slots}.log`), 'w');
  const started = Date.now();
  const daemon = spawn(process.execPath, [CLI, 'daemon'], {
    cwd: root,
    stdio: ['ignore', log, log],
    env: { ...process.env, JIDOKA_LOG_LEVEL: 'info' },
  });
  const exited = new Promise<number | null>((r) => daemon.on('exit', (code) => r(code)));
  const deadline = started + 20 * 60_000;
  let entries: LedgerEntry[] = [];
  for (;;) {
    entries = ledger(root);
    if (entries.filter((e) => e.event === 'plan.merged').length === PLANS.length) break;
    if (daemon.exitCode !== null || Date.now() > deadline)
      throw new Error(
        `the daemon (${slots} slots) did not merge every plan: see ${join(dir, `daemon-${slots}.log`)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  daemon.kill('SIGTERM');
  await exited;
  const at = (e: LedgerEntry | undefined) => (e ? Date.parse(e.at) : Number.NaN);
  const merged = PLANS.map((id) => at(entries.find((e) => e.event === 'plan.merged' && e.plan === id)));
  const done = PLANS.map((id) =>
    at(entries.find((e) => e.event === 'run.finished' && e.plan === id && e.outcome === 'done')),
  );
  const order = PLANS.map((_, i) => i).sort((a, b) => merged[a]! - merged[b]!);
  const stepMs = order.map((i, k) => merged[i]! - Math.max(done[i]!, k ? merged[order[k - 1]!]! : 0));
  return {
    slots,
    makespanMs: Math.max(...merged) - started,
    doneToMainMs: PLANS.map((_, i) => merged[i]! - done[i]!),
    stepMs,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'jidoka-bench-parallel-'));
// Rounds alternate 1, 3, 3, 1, … so a load that drifts during the run weighs on both alike.
const rounds: Round[] = [];
for (let i = 0; i < ROUNDS; i++)
  for (const slots of i % 2 ? [PLANS.length, 1] : [1, PLANS.length])
    rounds.push(await round(join(dir, String(i)), slots));
const merge = (slots: number): Round => {
  const of = rounds.filter((r) => r.slots === slots);
  return {
    slots,
    makespanMs: mean(of.map((r) => r.makespanMs)),
    doneToMainMs: of.flatMap((r) => r.doneToMainMs),
    stepMs: of.flatMap((r) => r.stepMs),
  };
};
const one = merge(1);
const three = merge(PLANS.length);
const ratio = three.makespanMs / one.makespanMs;
const each = (slots: number) =>
  rounds
    .filter((r) => r.slots === slots)
    .map((r) => s(r.makespanMs))
    .join(', ');
const rows = [
  ['measure', 'value'],
  ['work', `${PLANS.length} plans x ${CHUNKS} chunks, agent steps of ${s(STEP_MS)}`],
  // Per plan: a maker and a checker per chunk, one goal-checker: the floor of a makespan with one plan per slot.
  ['agent time per plan (the floor with 3 slots)', s((2 * CHUNKS + 1) * STEP_MS)],
  ['rounds (each setting)', String(ROUNDS)],
  ['makespan, maxParallelPlans 1', `${s(one.makespanMs)} (mean of ${each(1)})`],
  [`makespan, maxParallelPlans ${PLANS.length}`, `${s(three.makespanMs)} (mean of ${each(PLANS.length)})`],
  ['ratio (goal <= 0.45)', ratio.toFixed(2)],
  ...[one, three].flatMap((r) => [
    [
      `merge queue, ${r.slots} slot(s): done -> main moved, per plan`,
      `mean ${s(mean(r.doneToMainMs))}, max ${s(Math.max(...r.doneToMainMs))}`,
    ],
    [
      `merge queue, ${r.slots} slot(s): the step itself, per plan`,
      `mean ${s(mean(r.stepMs))}, max ${s(Math.max(...r.stepMs))}`,
    ],
  ]),
  ['load (uptime)', execFileSync('uptime', { encoding: 'utf8' }).trim()],
];
const w = Math.max(...rows.map((r) => r[0]!.length));
console.log(rows.map((r) => `${r[0]!.padEnd(w)}  ${r[1]}`).join('\n'));
console.log(
  ratio <= GOAL_RATIO
    ? `PASS: ${PLANS.length} plan slots take ${ratio.toFixed(2)} of the time of one`
    : `OVER: ${PLANS.length} plan slots take ${ratio.toFixed(2)} of the time of one (goal <= ${GOAL_RATIO})`,
);
rmSync(dir, { recursive: true, force: true });
