import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startWatchdog, type Watchdog } from '../../src/andon/watchdog.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startWatchdog (real directory, real timers)', () => {
  let dir: string;
  let dog: Watchdog | undefined;
  afterEach(async () => {
    await dog?.stop();
    dog = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('trips once when there is neither a file change nor output', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jidoka-dog-'));
    const trips: string[] = [];
    const t0 = Date.now();
    dog = startWatchdog({ dir, noProgressMs: 300, lastOutputAt: () => t0, onTrip: (r) => trips.push(r) });
    await sleep(1000);
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatch(/no file change in the worktree and no agent output for \d+s/);
  });

  it('does not trip while the agent keeps writing files', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jidoka-dog-'));
    const trips: string[] = [];
    const t0 = Date.now();
    dog = startWatchdog({ dir, noProgressMs: 600, lastOutputAt: () => t0, onTrip: (r) => trips.push(r) });
    await sleep(200); // let chokidar get ready
    for (let i = 0; i < 10; i++) {
      writeFileSync(join(dir, `f${i}.txt`), String(i));
      await sleep(150);
    }
    expect(trips).toEqual([]);
    expect(dog.lastChangeAt()).toBeGreaterThan(t0);
  });

  it('does not trip while the agent keeps printing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jidoka-dog-'));
    const trips: string[] = [];
    let lastOutput = Date.now();
    const printer = setInterval(() => {
      lastOutput = Date.now();
    }, 100);
    dog = startWatchdog({
      dir,
      noProgressMs: 400,
      lastOutputAt: () => lastOutput,
      onTrip: (r) => trips.push(r),
    });
    await sleep(1200);
    clearInterval(printer);
    expect(trips).toEqual([]);
    await sleep(800);
    expect(trips).toHaveLength(1);
  });

  it('does not count churn in .git or node_modules as progress', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jidoka-dog-'));
    mkdirSync(join(dir, '.git'));
    mkdirSync(join(dir, 'node_modules'));
    const trips: string[] = [];
    const t0 = Date.now();
    dog = startWatchdog({ dir, noProgressMs: 500, lastOutputAt: () => t0, onTrip: (r) => trips.push(r) });
    const churn = setInterval(() => {
      writeFileSync(join(dir, '.git', 'index'), String(Date.now()));
      writeFileSync(join(dir, 'node_modules', 'x.js'), String(Date.now()));
    }, 50);
    await sleep(1100);
    clearInterval(churn);
    expect(trips).toHaveLength(1);
  });
});
