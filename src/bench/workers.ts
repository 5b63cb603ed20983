import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import type { RunRecord } from '../loops/run-record.js';
import { recordApproval } from '../plans/approval.js';

/**
 * `npm run bench`: what spreading the line over machines buys and costs.
 * Three plans of three chunks, each maker step a scripted 2 s, every other
 * agent instant, a no-op check. Once on one machine (`jidoka daemon`,
 * `limits.maxParallelPlans` 1), once as a daemon with `queue.redis` and two
 * `jidoka worker` processes in their own clones of a bare remote, with a
 * real redis-server. Reported: the makespans and their ratio, and the
 * dispatch overhead per agent step: what a plan's run on a worker took
 * beyond the same run on the one machine (agent time subtracted on both
 * sides), divided by its daemon round trips; and the bare round trip of one
 * step message through BullMQ. Both setups run on this one machine, so the
 * workers share its cores: the ratio is what two machines would give at
 * best when agents, not checks, hold the time.
 */
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');
const PLANS = ['b1', 'b2', 'b3'];
const CHUNKS = 3;
const STEP_MS = Number(process.env.BENCH_STEP_MS ?? 2000);
// Per plan: a gate before each maker and checker, one before the goal, the start and the end.
const ROUND_TRIPS = CHUNKS * 2 + 1 + 2;

const AGENT = `const fs=require('fs');const r=process.env.JIDOKA_ROLE;
const done=()=>{process.stdin.resume();process.stdin.on('end',()=>process.exit(0));};
if(r==='maker'){setTimeout(()=>{fs.mkdirSync('src',{recursive:true});fs.writeFileSync('src/'+process.env.JIDOKA_PLAN+'-'+process.env.JIDOKA_CHUNK+'.js','module.exports=1;\\n');done();},${STEP_MS});}
else{if(r==='checker')fs.writeFileSync(process.env.JIDOKA_REPORT_FILE,JSON.stringify({decision:'approve',reasons:[]}));
if(r==='goal')fs.writeFileSync(process.env.JIDOKA_REPORT_FILE,JSON.stringify({met:true,evidence:[]}));done();}`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

function plan(id: string): string {
  const chunks = Array.from(
    { length: CHUNKS },
    (_, i) => `## Chunk ${i + 1}: module ${i + 1}\n\nWrite src/${id}-${i + 1}.js.\n`,
  );
  return `---\nid: ${id}\ntitle: Bench ${id}\nstatus: approved\nrisk: low\nscope: ["src/**"]\ngoal:\n  statement: all modules exist\ncreated: 2026-01-01\n---\n## Context\n\nBenchmark.\n\n${chunks.join('\n')}`;
}

function makeRepo(queue?: string): string {
  const base = mkdtempSync(join(tmpdir(), 'jidoka-bench-workers-'));
  const root = join(base, 'line');
  mkdirSync(root);
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'user.name', 'Bench');
  git(root, 'config', 'user.email', 'bench@example.invalid');
  const agent = join(base, 'agent.cjs');
  writeFileSync(agent, AGENT);
  const command = [process.execPath, agent];
  writeFileSync(
    join(root, 'jidoka.yaml'),
    stringify({
      agents: Object.fromEntries(
        ['maker', 'checker', 'goal'].map((r) => [r, { adapter: 'command', command }]),
      ),
      checks: ['true'],
      limits: { maxParallelPlans: 1 },
      board: { port: 0 },
      ...(queue ? { queue: { redis: queue } } : {}),
    }),
  );
  writeFileSync(join(root, '.gitignore'), '.jidoka/\n');
  mkdirSync(join(root, 'plans'));
  for (const id of PLANS) writeFileSync(join(root, 'plans', `${id}.md`), plan(id));
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'setup');
  for (const id of PLANS) recordApproval(root, id, join(root, 'plans', `${id}.md`), 'bench');
  return root;
}

/** Every step gate a worker timed (its log line at the end of each plan run). */
const gates: number[] = [];
const answers: number[] = [];

function start(cwd: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, JIDOKA_LOG_LEVEL: 'info' },
    detached: true,
  });
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const m = /"gates":(\d+),"medianMs":(\d+),"answerMedianMs":(\d+)/.exec(line);
      if (!m) continue;
      for (let k = 0; k < Number(m[1]); k++) {
        gates.push(Number(m[2]));
        answers.push(Number(m[3]));
      }
    }
  });
  return child;
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const t = setTimeout(() => groupKill(c), 20_000);
          c.once('exit', () => {
            clearTimeout(t);
            groupKill(c);
            resolve();
          });
        }),
    ),
  );
}

function groupKill(c: ChildProcess): void {
  try {
    process.kill(-c.pid!, 'SIGKILL');
  } catch {}
}

const isDone = (root: string, id: string) =>
  /^status:\s*done/m.test(readFileSync(join(root, 'plans', `${id}.md`), 'utf8'));

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Per plan, the run's wall time minus its agents' process time: what Jidoka (and, on a worker, the queue) added. */
function loopMs(root: string): number[] {
  const runs = join(root, '.jidoka', 'runs');
  if (!existsSync(runs)) return [];
  return readdirSync(runs).flatMap((d) => {
    const f = join(runs, d, 'run.json');
    if (!existsSync(f)) return [];
    const run = JSON.parse(readFileSync(f, 'utf8')) as RunRecord;
    if (!run.finishedAt) return [];
    const wall = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
    const agents = run.steps.reduce(
      (n, s) => n + (typeof s.detail?.processMs === 'number' ? s.detail.processMs : 0),
      0,
    );
    return [wall - agents];
  });
}

async function oneMachine(): Promise<{ makespanMs: number; loop: number[] }> {
  const root = makeRepo();
  const started = performance.now();
  const daemon = start(root, ['daemon']);
  try {
    await until(() => PLANS.every((id) => isDone(root, id)), 600_000, 'the plans on one machine');
    return { makespanMs: performance.now() - started, loop: loopMs(root) };
  } finally {
    await stopAll([daemon]);
    rmSync(dirname(root), { recursive: true, force: true });
  }
}

async function daemonAndWorkers(url: string): Promise<{ makespanMs: number; loop: number[] }> {
  const root = makeRepo(url);
  const remote = join(dirname(root), 'remote.git');
  git(root, 'clone', '-q', '--bare', root, remote);
  git(root, 'remote', 'add', 'origin', remote);
  const clones = ['w1', 'w2'].map((w) => {
    const clone = join(dirname(root), w);
    git(dirname(root), 'clone', '-q', remote, clone);
    git(clone, 'config', 'user.name', 'Bench');
    git(clone, 'config', 'user.email', 'bench@example.invalid');
    return clone;
  });
  const children: ChildProcess[] = [];
  try {
    // The workers first, waiting for plans, as on machines that are already up.
    const started = performance.now();
    children.push(start(root, ['daemon']));
    const key = join(root, '.jidoka', 'queue', 'approval.pub');
    await until(() => existsSync(key), 60_000, "the daemon's signing key");
    for (const [i, clone] of clones.entries()) {
      mkdirSync(join(clone, '.jidoka', 'queue'), { recursive: true });
      copyFileSync(key, join(clone, '.jidoka', 'queue', 'approval.pub'));
      children.push(start(clone, ['worker', '--name', `w${i + 1}`]));
    }
    await until(() => PLANS.every((id) => isDone(root, id)), 600_000, 'the plans on two workers');
    return { makespanMs: performance.now() - started, loop: clones.flatMap(loopMs) };
  } finally {
    await stopAll(children);
    rmSync(dirname(root), { recursive: true, force: true });
  }
}

/** The bare round trip of one step message: a job on `steps`, answered by a worker, its return value awaited. */
async function roundTripMs(port: number, n = 50): Promise<number> {
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const q = new Queue('bench-steps', { connection });
  const events = new QueueEvents('bench-steps', { connection });
  const w = new Worker('bench-steps', async (job) => ({ go: true, id: job.id }), {
    connection,
    concurrency: 16,
  });
  await Promise.all([q.waitUntilReady(), events.waitUntilReady(), w.waitUntilReady()]);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const job = await q.add('gate', { i }, { removeOnComplete: { age: 60 } });
    await job.waitUntilFinished(events, 10_000);
    times.push(performance.now() - t);
  }
  await Promise.all([w.close(), events.close(), q.close()]);
  return median(times.slice(5));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : Number.NaN;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 100 });
  probe.on('error', () => {});
  await until(() => probe.status === 'ready', 10_000, 'redis-server').catch(() => undefined);
  await probe.connect().catch(() => {});
  await until(() => probe.status === 'ready', 10_000, 'redis-server');
  probe.disconnect();
  return child;
}

if (spawnSync('redis-server', ['--version']).status !== 0) {
  console.log('bench workers: skipped, no redis-server on PATH (apt-get install -y redis-server)');
} else {
  const port = await freePort();
  const redis = await startRedis(port);
  try {
    const load = loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
    const single = await oneMachine();
    const spread = await daemonAndWorkers(`redis://127.0.0.1:${port}`);
    const rtt = await roundTripMs(port);
    const perStep = (median(spread.loop) - median(single.loop)) / ROUND_TRIPS;
    console.log(
      `bench workers: ${PLANS.length} plans x ${CHUNKS} chunks, maker steps ${STEP_MS} ms (load before: ${load})`,
    );
    console.log(`  one machine, maxParallelPlans 1:  makespan ${(single.makespanMs / 1000).toFixed(1)} s`);
    console.log(`  daemon + two workers (redis):     makespan ${(spread.makespanMs / 1000).toFixed(1)} s`);
    console.log(`  ratio (workers / one machine):    ${(spread.makespanMs / single.makespanMs).toFixed(2)}`);
    console.log(
      `  Jidoka's own time per plan run (wall minus agents): one machine ${median(single.loop).toFixed(0)} ms, on a worker ${median(spread.loop).toFixed(0)} ms`,
    );
    console.log(
      `  per step: the gate a worker asks before each agent step (branch push included) median ${median(gates).toFixed(0)} ms over ${gates.length} gates, of which the daemon's answer ${median(answers).toFixed(0)} ms (goal: under 50 ms beyond the local loop); one bare step message through BullMQ ${rtt.toFixed(1)} ms`,
    );
    console.log(
      `  per plan run beyond the local loop: ${(median(spread.loop) - median(single.loop)).toFixed(0)} ms (${perStep.toFixed(0)} ms per daemon round trip, ${ROUND_TRIPS} per plan, fetch, worktree and pushes included)`,
    );
  } finally {
    redis.kill('SIGTERM');
  }
}
