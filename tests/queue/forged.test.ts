import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { approvalHashOf } from '../../src/plans/store.js';
import { signApproval } from '../../src/queue/approval-key.js';
import { planState, waitFor } from '../daemon/daemon-process.js';
import { modulePlan, write } from '../support/line.js';
import { git } from '../support/repo.js';
import { type Cluster, startCluster } from './cluster.js';

let cluster: Cluster | undefined;
let queue: Queue | undefined;
afterEach(async () => {
  await queue?.close();
  queue = undefined;
  await cluster?.stopAll();
  cluster = undefined;
});

const MAKE = write('src/{plan}-{chunk}.js', 'module.exports = "{plan}";\n');

describe('a worker checks every job itself', () => {
  it('refuses forged jobs (a plan no human approved, a swapped text, a junk payload) and still runs the real one', {
    timeout: 240_000,
  }, async () => {
    const c = await startCluster({ plans: { p1: 1, px: 1 }, maker: [MAKE] });
    cluster = c;
    const d = await c.startDaemon();
    c.approve(['p1']);
    queue = new Queue('plans', { connection: { host: '127.0.0.1', port: c.redis.port }, prefix: 'jidoka' });
    const q = queue;
    let real: Record<string, unknown> | undefined;
    async function fetchReal() {
      for (let i = 0; i < 300 && !real; i++) {
        const [job] = await q.getJobs(['waiting']);
        if (job) real = job.data as Record<string, unknown>;
        else await new Promise((r) => setTimeout(r, 100));
      }
    }
    await fetchReal().catch(() => {});
    expect(real).toBeDefined();
    // px was never approved: someone with access to the Redis signs it with a key of their own.
    const pxText = modulePlan('px', 1).replace('status: proposed', 'status: approved');
    const approval = { hash: approvalHashOf(pxText), by: 'mallory', at: new Date().toISOString() };
    const { privateKey } = generateKeyPairSync('ed25519');
    await q.add(
      'plan',
      { plan: 'px', planText: pxText, approval, signature: signApproval(privateKey, 'px', approval) },
      { jobId: 'forged-key' },
    );
    // The daemon's real signature over p1's approval, with px's text in it.
    await q.add('plan', { ...real, planText: pxText }, { jobId: 'forged-text' });
    await q.add('plan', { plan: 'p1', run: 'rm -rf /' }, { jobId: 'forged-junk' });
    const w = await c.startWorker('w1');
    await waitFor(
      () => typeof planState(c.root, 'p1')?.mergedAt === 'string',
      150_000,
      'p1 merged',
      () => `${d.stderr()}\n----\n${w.stderr()}`,
    );
    await w.waitForLog(/refused a job that is not a plan job/);
    const said = w.messages().join('\n');
    expect(said).toMatch(/refused plan px: its approval is not signed by the daemon's key/);
    expect(said).toMatch(/refused plan p1: its text is not the content a human approved/);
    expect(said).toMatch(/refused a job that is not a plan job: planText: .*; approval: .*; signature: .*/);
    // Nothing of px ran or was made anywhere: no run, no worktree, no branch here or on the remote.
    const clone = `${c.root}-w1`;
    expect(c.runsOn('w1', 'px')).toEqual([]);
    expect(existsSync(join(clone, '.jidoka/worktrees/px'))).toBe(false);
    expect(git(clone, 'branch', '--list', 'jidoka/px')).toBe('');
    expect(git(c.remote, 'branch', '--list', 'jidoka/px')).toBe('');
    // The worker recorded an approval for p1 only.
    expect(
      Object.keys(JSON.parse(readFileSync(join(clone, '.jidoka/state/approvals.json'), 'utf8'))),
    ).toEqual(['p1']);
    // The daemon heard of each refusal.
    await d.waitForLog(/plan forged-key was refused or failed on a worker: refused plan px/);
  });
});
