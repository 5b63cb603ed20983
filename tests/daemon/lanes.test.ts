import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { writeJsonAtomic } from '../../src/core/atomic-write.js';
import { createPlanSlots } from '../../src/daemon/plan-slots.js';
import { createWorkQueue } from '../../src/daemon/work-queue.js';
import { makeRepo } from '../support/repo.js';

const silent = pino({ level: 'silent' });
const tick = () => new Promise((r) => setTimeout(r, 20));

function gated() {
  let open!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  return { gate, open };
}

describe('the work queue in two lanes', () => {
  it('runs up to planSlots plans at once and the line lane one at a time beside them', async () => {
    const live = { plan: 0, line: 0 };
    const most = { plan: 0, line: 0 };
    const gates = [gated(), gated(), gated(), gated(), gated()];
    const q = createWorkQueue(
      silent,
      () => {},
      () => 2,
    );
    const item = (lane: 'plan' | 'line', g: ReturnType<typeof gated>) => async () => {
      live[lane]++;
      most[lane] = Math.max(most[lane], live[lane]);
      await g.gate;
      live[lane]--;
    };
    q.add('p1', item('plan', gates[0]!), 'plan');
    q.add('p2', item('plan', gates[1]!), 'plan');
    expect(q.hasRoom('plan')).toBe(false);
    q.add('p3', item('plan', gates[2]!), 'plan');
    q.add('merge a', item('line', gates[3]!));
    q.add('merge b', item('line', gates[4]!));
    await tick();
    expect(live).toEqual({ plan: 2, line: 1 });
    expect(q.names()).toEqual(['p1', 'p2', 'merge a', 'p3', 'merge b']);
    gates[0]!.open();
    await tick();
    expect(live).toEqual({ plan: 2, line: 1 }); // p3 took p1's slot
    for (const g of gates) g.open();
    await q.close();
    expect(most).toEqual({ plan: 2, line: 1 });
    expect(q.busy()).toBe(false);
  });

  it('close waits for every running item', async () => {
    const a = gated();
    const b = gated();
    const ended: string[] = [];
    const q = createWorkQueue(
      silent,
      () => {},
      () => 2,
    );
    q.add('a', () => a.gate.then(() => void ended.push('a')), 'plan');
    q.add('b', () => b.gate.then(() => void ended.push('b')), 'plan');
    let closed = false;
    void q.close().then(() => {
      closed = true;
    });
    a.open();
    await tick();
    expect(closed).toBe(false);
    b.open();
    await tick();
    expect(closed).toBe(true);
    expect(ended.sort()).toEqual(['a', 'b']);
  });
});

describe('plan slots', () => {
  it("count the other running plans' spend since they started, never the plan's own", () => {
    const root = makeRepo();
    const state = (id: string, usd: number, status = 'running') =>
      writeJsonAtomic(join(root, '.jidoka/state/plans', `${id}.json`), {
        plan: id,
        status,
        spend: { usd, tokens: 0 },
      });
    mkdirSync(join(root, '.jidoka/state/plans'), { recursive: true });
    state('a', 1.5); // resumed with 1.5 already spent
    state('b', 4, 'done'); // a done plan runs again from a fresh state
    const slots = createPlanSlots(root, silent);
    const shutdown = { signal: new AbortController().signal, stopping: () => false };
    const a = slots.enter('a', shutdown);
    const b = slots.enter('b', shutdown);
    state('b', 0.75);
    state('a', 2);
    expect(a.othersUsd()).toBe(0.75);
    expect(b.othersUsd()).toBe(0.5);
    slots.leave('b');
    expect(a.othersUsd()).toBe(0);
    expect([...slots.ids()]).toEqual(['a']);
  });

  it('a stopped line drains every running plan, and kills a step still running after the grace period', async () => {
    const root = makeRepo();
    const slots = createPlanSlots(root, silent);
    const shutdown = { signal: new AbortController().signal, stopping: () => false };
    const a = slots.enter('a', shutdown);
    const b = slots.enter('b', shutdown);
    expect(a.draining()).toBe(false);
    writeJsonAtomic(join(root, '.jidoka/state/line.json'), {
      state: 'stopped',
      since: new Date().toISOString(),
    });
    expect(a.draining() && b.draining()).toBe(true);
    slots.lineChanged(50);
    slots.leave('b'); // b reached its step boundary in time
    await new Promise((r) => setTimeout(r, 120));
    expect(a.signal.aborted).toBe(true);
    expect(b.signal.aborted).toBe(false);
  });
});

describe('check slots (limits.maxParallelChecks)', () => {
  it('run at most that many checks at once across callers, and a waiting check aborted gives up its turn', async () => {
    const { configureCheckSlots, inCheckSlot } = await import('../../src/loops/check-slots.js');
    configureCheckSlots(2);
    let live = 0;
    let most = 0;
    const check = () =>
      inCheckSlot(async () => {
        live++;
        most = Math.max(most, live);
        await new Promise((r) => setTimeout(r, 30));
        live--;
      });
    await Promise.all([check(), check(), check(), check(), check()]);
    expect(most).toBe(2);
    configureCheckSlots(1);
    const order: string[] = [];
    const abort = new AbortController();
    const first = inCheckSlot(async () => {
      await new Promise((r) => setTimeout(r, 50));
      order.push('first');
    });
    const waiting = inCheckSlot(async () => {
      order.push(abort.signal.aborted ? 'aborted one ran at once' : 'waited');
    }, abort.signal);
    abort.abort();
    await Promise.all([first, waiting]);
    expect(order).toEqual(['aborted one ran at once', 'first']);
    configureCheckSlots(0);
  });
});
