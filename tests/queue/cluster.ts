import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DaemonProcess, killDaemon, spawnCli, spawnDaemon, waitFor } from '../daemon/daemon-process.js';
import { approve, met, modulePlan, setupLine } from '../support/line.js';
import { alive } from '../support/process.js';
import { type RedisServer, startRedis } from '../support/redis-server.js';
import { git, runCli, writeFiles } from '../support/repo.js';

/**
 * One line over several machines, in temp dirs: a real redis-server, the
 * daemon's repository, a bare repository as the shared remote (the
 * daemon's `origin`), and worker clones of it, each a `jidoka worker`
 * process in its own process group (so kill -9 of the group is a machine
 * lost: the worker and its agents). Everything is stopped by `stopAll`.
 */
export interface Cluster {
  root: string;
  remote: string;
  scriptFile: string;
  redis: RedisServer;
  daemon?: DaemonProcess;
  workers: Map<string, { clone: string; proc: DaemonProcess }>;
  startDaemon(): Promise<DaemonProcess>;
  /** A worker named `name` in clone `name` (made on first use), once it waits for plans. */
  startWorker(name: string): Promise<DaemonProcess>;
  /** kill -9 of the worker's process group: the worker and every agent it started. */
  killWorker(name: string): Promise<void>;
  approve(ids: string[]): void;
  /** The runs of plan `id` recorded in worker `name`'s clone. */
  runsOn(name: string, id: string): string[];
  stopAll(): Promise<void>;
}

export async function startCluster(opts: {
  plans: Record<string, number>;
  maker: unknown[];
  queue?: Record<string, unknown>;
  extraConfig?: Record<string, unknown>;
}): Promise<Cluster> {
  const redis = await startRedis();
  try {
    return makeCluster(redis, opts);
  } catch (err) {
    await redis.stop(); // nothing outlives a set-up that failed
    throw err;
  }
}

function makeCluster(redis: RedisServer, opts: Parameters<typeof startCluster>[0]): Cluster {
  const ids = Object.keys(opts.plans);
  const l = setupLine({
    script: { maker: [opts.maker], checker: [[approve()]], goal: [[met()]] },
    plan: modulePlan(ids[0]!, opts.plans[ids[0]!]),
    planId: ids[0]!,
    extraConfig: {
      merge: { mode: 'auto' },
      daemon: { gracePeriod: '60s' },
      board: { port: 0 },
      queue: {
        redis: redis.url,
        lockDuration: '5s',
        stalledInterval: '1s',
        stepTimeout: '2m',
        ...opts.queue,
      },
      ...opts.extraConfig,
    },
  });
  const { root } = l;
  if (ids.length > 1) {
    writeFiles(
      root,
      Object.fromEntries(ids.slice(1).map((id) => [`plans/${id}.md`, modulePlan(id, opts.plans[id])])),
    );
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'more plans');
  }
  const remote = `${root}-remote.git`;
  git(root, 'clone', '-q', '--bare', root, remote);
  git(root, 'remote', 'add', 'origin', remote);
  const workers = new Map<string, { clone: string; proc: DaemonProcess }>();
  const key = join(root, '.jidoka/queue/approval.pub');
  const c: Cluster = {
    root,
    remote,
    scriptFile: l.scriptFile,
    redis,
    workers,
    async startDaemon() {
      const d = spawnDaemon(root);
      c.daemon = d;
      await d.waitForLog(/^daemon: watching /);
      return d;
    },
    async startWorker(name) {
      const clone = `${root}-${name}`;
      if (!existsSync(clone)) {
        git(root, 'clone', '-q', remote, clone);
        git(clone, 'config', 'user.name', 'Worker');
        git(clone, 'config', 'user.email', 'worker@example.invalid');
      }
      await waitFor(() => existsSync(key), 30_000, 'the daemon to make its signing key');
      mkdirSync(join(clone, '.jidoka/queue'), { recursive: true });
      copyFileSync(key, join(clone, '.jidoka/queue/approval.pub'));
      const proc = spawnCli(clone, ['worker', '--name', name], {}, { detached: true });
      workers.set(name, { clone, proc });
      await proc.waitForLog(/waiting for plans from/);
      return proc;
    },
    async killWorker(name) {
      const w = workers.get(name)!;
      try {
        process.kill(-w.proc.pid, 'SIGKILL');
      } catch {}
      await w.proc.exited;
    },
    approve(list) {
      for (const id of list) {
        const r = runCli(root, ['plan', 'approve', id]);
        if (r.code !== 0) throw new Error(`approve ${id}: ${r.stderr}`);
      }
    },
    runsOn(name, id) {
      const runs = join(`${root}-${name}`, '.jidoka/runs');
      return existsSync(runs) ? readdirSync(runs).filter((d) => d.includes(`-${id}-`)) : [];
    },
    async stopAll() {
      for (const [, w] of workers) {
        if (w.proc.child.exitCode === null && w.proc.child.signalCode === null) w.proc.child.kill('SIGTERM');
      }
      await killDaemon(c.daemon);
      for (const [, w] of workers) {
        const timer = setTimeout(() => groupKill(w.proc.pid), 15_000);
        await w.proc.exited;
        clearTimeout(timer);
        groupKill(w.proc.pid); // whatever its agents left
      }
      await redis.stop();
    },
  };
  return c;
}

function groupKill(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {}
}

/** The checkpoint a worker last reported to the daemon. */
export function reported(
  root: string,
  id: string,
): { chunk: number; attempt: number; status: string } | undefined {
  const f = join(root, '.jidoka/queue/plans', `${id}.json`);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { state: never }).state : undefined;
}

export { alive };
