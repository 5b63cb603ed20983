import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { classifyChange, watchedFiles } from '../../src/daemon/watchers.js';
import { createWorkQueue } from '../../src/daemon/work-queue.js';

/** The daemon's parts that need no process: how a file event is read, and the one-at-a-time queue. */

const silent = pino({ level: 'silent' });

describe('classifyChange', () => {
  const root = '/repo';
  const w = watchedFiles(root);
  it('maps each watched path to what the daemon does about it', () => {
    expect(classifyChange(join(root, 'jidoka.yaml'), w)).toBe('config');
    expect(classifyChange(join(root, 'plans', 'p.md'), w)).toBe('plans');
    expect(classifyChange(w.lineFile, w)).toBe('plans');
    expect(classifyChange(w.approvalsFile, w)).toBe('plans');
    expect(classifyChange(join(root, '.git', 'refs', 'heads', 'main'), w)).toBe('main-ref');
    expect(classifyChange(join(root, '.git', 'packed-refs'), w)).toBe('main-ref');
    expect(classifyChange(join(root, 'README.md'), w)).toBeUndefined();
  });
});

describe('createWorkQueue', () => {
  it('runs one item at a time, queues a waiting name once, goes on after a failure, then calls idle', async () => {
    const order: string[] = [];
    let idle = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const q = createWorkQueue(silent, () => idle++);
    q.add('a', async () => {
      order.push('a start');
      await gate;
      order.push('a end');
    });
    q.add('b', async () => {
      order.push('b');
      throw new Error('b broke');
    });
    q.add('b', async () => {
      order.push('b again');
    });
    q.add('c', async () => {
      order.push('c');
    });
    expect(q.busy()).toBe(true);
    expect(order).toEqual(['a start']);
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['a start', 'a end', 'b', 'c']);
    expect(q.busy()).toBe(false);
    expect(idle).toBe(1);
  });

  it('close drops what waits, resolves when the running item ends, and takes nothing more', async () => {
    const ran: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const q = createWorkQueue(silent, () => {});
    q.add('running', async () => {
      await gate;
      ran.push('running');
    });
    q.add('waiting', async () => {
      ran.push('waiting');
    });
    const closed = q.close();
    q.add('late', async () => {
      ran.push('late');
    });
    let done = false;
    void closed.then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    release();
    await closed;
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).toEqual(['running']);
  });
});
