import { existsSync } from 'node:fs';
import { join } from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { readLine } from '../andon/line.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { describeError } from '../core/errors.js';
import { acquireLock } from '../core/lock.js';
import { jidokaPaths } from '../core/paths.js';
import { gitAt, mainBranch, revParse } from '../git/repo.js';
import { executePlan } from '../loops/execute.js';
import { readPlanState } from '../loops/plan-state.js';
import { listPlans } from '../plans/store.js';

/**
 * The daemon: one per repository (a pid lock with stale-lock recovery). It
 * runs approved plans as they appear (chokidar on plans/), resumes plans a
 * crash interrupted, runs the scheduled loops (node-cron), and reloads its
 * config on SIGHUP or when jidoka.yaml changes. On SIGTERM/SIGINT it takes no
 * new work, lets the running step finish within `daemon.gracePeriod`, then
 * kills the agent's process group; the checkpoint lets the next start resume.
 */
export interface DaemonHooks {
  /** Scheduled and after-merge loops, wired by the CLI so the daemon does not import every loop. */
  audit?: (root: string, config: Config) => Promise<void>;
  docs?: (root: string, config: Config) => Promise<void>;
}

export interface Daemon {
  /** Resolves when the daemon has stopped. */
  done: Promise<void>;
  stop(reason: string): void;
  /** Re-read jidoka.yaml; a bad file is reported and the running config kept. */
  reload(): void;
  /** Look for runnable plans now. */
  poke(): void;
}

export function startDaemon(root: string, logger: Logger, hooks: DaemonHooks = {}): Daemon {
  const paths = jidokaPaths(root);
  const release = acquireLock(paths.lock, 'the jidoka daemon for this repository');
  let config = loadConfig(root, { required: true }).config;
  let stopping = false;
  let busy: Promise<void> | undefined;
  let pending = false;
  const abort = new AbortController();
  let tasks: ScheduledTask[] = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });

  const schedule = () => {
    for (const t of tasks) t.stop();
    tasks = [];
    const add = (
      name: string,
      expr: string,
      fn: ((root: string, config: Config) => Promise<void>) | undefined,
    ) => {
      if (!expr || !fn) return;
      tasks.push(
        cron.schedule(expr, () => enqueue(`${name} (schedule ${expr})`, () => fn(root, config)), {
          timezone: config.schedule.timezone,
          name: `jidoka-${name}`,
        }),
      );
    };
    add('audit', config.schedule.audit, hooks.audit);
    add('docs', config.schedule.docs, hooks.docs);
  };

  /** Work runs one item at a time (maxParallelPlans above 1 is reserved; plans share the checks' resources). */
  const queue: { name: string; fn: () => Promise<void> }[] = [];
  const enqueue = (name: string, fn: () => Promise<void>) => {
    if (stopping) return;
    queue.push({ name, fn });
    pump();
  };
  const pump = () => {
    if (busy || stopping) return;
    const next = queue.shift();
    if (!next) {
      if (pending) {
        pending = false;
        scanPlans();
      }
      return;
    }
    busy = (async () => {
      logger.info(`daemon: ${next.name}`);
      try {
        await next.fn();
      } catch (err) {
        logger.error(`daemon: ${next.name} failed: ${describeError(err)}`);
      }
    })().finally(() => {
      busy = undefined;
      pump();
    });
  };

  const scanPlans = () => {
    if (stopping) return;
    if (busy) {
      pending = true;
      return;
    }
    if (readLine(root).state === 'stopped') {
      logger.info('daemon: the line is stopped; no plan starts until `jidoka andon resolve`');
      return;
    }
    for (const e of listPlans(root, config.limits.maxChunksPerPlan)) {
      const status = e.plan?.status;
      const state = readPlanState(root, e.id);
      const resumable = status === 'active' && state?.status === 'running';
      if (status === 'approved' || resumable) {
        enqueue(`${resumable ? 'resume' : 'run'} plan ${e.id}`, async () => {
          const outcome = await executePlan({
            root,
            config,
            planId: e.id,
            logger,
            signal: abort.signal,
            draining: () => stopping,
          });
          logger.info(`daemon: plan ${e.id}: ${outcome.message}`);
        });
        return; // one at a time; the next scan picks up the rest
      }
    }
  };

  let lastMain: string | undefined;
  const checkMain = async () => {
    const git = gitAt(root);
    const sha = await revParse(git, await mainBranch(git, config.git.mainBranch));
    if (lastMain && sha && sha !== lastMain && hooks.docs)
      enqueue('docs sync (main moved)', () => hooks.docs!(root, config));
    lastMain = sha;
  };

  const watchPaths = [
    join(root, 'plans'),
    join(root, 'jidoka.yaml'),
    join(root, '.git', 'refs', 'heads'),
    join(root, '.git', 'packed-refs'),
  ].filter((p) => existsSync(p));
  const watcher: FSWatcher = chokidar.watch(watchPaths, {
    ignoreInitial: true,
    awaitWriteFinish: { stabilityThreshold: 200, pollInterval: 50 },
    ignored: (p: string) => p.includes('node_modules') || /\.(lock|tmp)$/.test(p),
  });
  watcher.on('all', (_event, path) => {
    if (path.endsWith('jidoka.yaml')) reload();
    else if (path.includes(`${join('.git', 'refs')}`) || path.endsWith('packed-refs'))
      void checkMain().catch(() => {});
    else scanPlans();
  });

  const reload = () => {
    try {
      config = loadConfig(root, { required: true }).config;
      schedule();
      logger.info('daemon: configuration reloaded');
    } catch (err) {
      logger.error(
        `daemon: jidoka.yaml not reloaded, keeping the running configuration: ${describeError(err)}`,
      );
    }
  };

  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`daemon: ${reason}; taking no new work`);
    for (const t of tasks) t.stop();
    queue.length = 0;
    const grace = setTimeout(() => {
      logger.warn(
        `daemon: the running step did not finish within ${config.daemon.gracePeriod} ms; killing it (it resumes on the next start)`,
      );
      abort.abort(new Error(reason));
    }, config.daemon.gracePeriod);
    void (async () => {
      await busy?.catch(() => {});
      clearTimeout(grace);
      await watcher.close();
      release();
      logger.info('daemon: stopped');
      resolveDone();
    })();
  };

  schedule();
  void checkMain().catch(() => {});
  scanPlans();
  logger.info(`daemon: watching ${root} (line ${readLine(root).state})`);
  return { done, stop, reload, poke: scanPlans };
}
