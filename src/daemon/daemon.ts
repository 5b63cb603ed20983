import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { readLine } from '../andon/line.js';
import { startBoard } from '../board/start.js';
import { loadConfig } from '../config/load.js';
import { queueRedisUrl } from '../config/queue-url.js';
import type { Config } from '../config/schema.js';
import { describeError } from '../core/errors.js';
import { acquireLock, isStale, readLock } from '../core/lock.js';
import { jidokaPaths } from '../core/paths.js';
import { startDispatcher } from '../queue/dispatch.js';
import { assertSandboxReady } from '../sandbox/bwrap.js';
import { startHeartbeat } from './heartbeat.js';
import { createMainTip } from './main-tip.js';
import { createPlanPicker } from './plan-picker.js';
import { createPlanSlots } from './plan-slots.js';
import { mergeStep, mergesWaiting, runPlan } from './run-plan.js';
import { runningConfig } from './running-config.js';
import { createSchedules, type ScheduledLoop } from './schedules.js';
import { createShutdown } from './shutdown.js';
import { watchRepository } from './watchers.js';
import { createWorkQueue } from './work-queue.js';

/** The scheduled and after-merge loops, wired by the CLI so the daemon does not import every loop. */
export interface DaemonHooks {
  /** `signal` aborts when the grace period of a shutdown runs out. */
  audit?: ScheduledLoop;
  docs?: ScheduledLoop;
}

export interface Daemon {
  /** Resolves when the daemon has stopped. */
  done: Promise<void>;
  /** Take no new work; the running step gets the grace period. A second call kills it at once. */
  stop(reason: string): void;
  /** Re-read jidoka.yaml (`why`: what asked, for the log); a bad file is reported and the running config kept. */
  reload(why: string): void;
  /** Look for runnable plans now. */
  poke(): void;
}

/**
 * The daemon, as a blueprint: one per repository (a pid lock with stale-lock
 * recovery). It runs approved plans as they appear, resumes plans a crash
 * interrupted, runs the scheduled loops, starts the docs loop when main
 * moves, and reloads its config on SIGHUP or when jidoka.yaml changes. On
 * stop it takes no new work, lets the running step finish within
 * `daemon.gracePeriod`, then kills it; the checkpoint lets the next start resume.
 */
export function startDaemon(root: string, logger: Logger, hooks: DaemonHooks = {}): Daemon {
  const { release, config: first } = claimRepository(root, logger);
  const settings = runningConfig(root, first, logger);
  const shutdown = createShutdown(logger);
  const picker = createPlanPicker(root, logger);
  const mainTip = createMainTip(root);
  const slots = createPlanSlots(root, logger);
  // With queue.redis the plans go to workers; `queue.localWorkers` of them still run here.
  const localSlots = (c: Config) => (queueRedisUrl(c) ? c.queue.localWorkers : c.limits.maxParallelPlans);
  const queue = createWorkQueue(
    logger,
    () => scanPlans(),
    () => localSlots(settings.current()),
  );
  const schedules = createSchedules(root, hooks, queue.add, shutdown.signal);
  const heartbeat = startHeartbeat(root, () => ({ stopping: shutdown.stopping(), busy: queue.busy() }));

  const startPlan = async (id: string) => {
    const slot = slots.enter(id, shutdown); // before the first await: the next scan sees the plan taken
    try {
      const othersUsd = () => slot.othersUsd() + (remote?.spendingUsd() ?? 0);
      await runPlan({ root, config: settings.current(), id, logger, ...slot, othersUsd });
    } catch (err) {
      picker.refuse(id); // its start threw: not offered again until something on disk changes
      throw err;
    } finally {
      slots.leave(id);
    }
  };
  // Fill the free plan slots (`limits.maxParallelPlans`), hand the rest to the workers (`queue.redis`), then give the merge queue the done plans.
  const taken = () => new Set([...slots.ids(), ...(remote?.ids() ?? [])]);
  const scanPlans = () => {
    if (shutdown.stopping()) return;
    while (queue.hasRoom('plan')) {
      const next = picker.next(settings.current(), taken());
      if (!next) break;
      queue.add(`${next.resumable ? 'resume' : 'run'} plan ${next.id}`, () => startPlan(next.id), 'plan');
    }
    for (let next = remote && picker.next(settings.current(), taken()); next; ) {
      remote?.dispatch(next.id);
      next = picker.next(settings.current(), taken());
    }
    void scanMerges();
  };
  const scanMerges = async () => {
    const config = settings.current();
    const ids = await mergesWaiting(root, config).catch((err: unknown) => {
      logger.error(`daemon: could not read the merge queue: ${describeError(err)}`);
      return [];
    });
    for (const id of ids)
      queue.add(`merge queue: plan ${id}`, () =>
        mergeStep(root, settings.current(), id, logger, shutdown.signal),
      );
  };
  const changed = () => {
    picker.forgetRefusals();
    slots.lineChanged(settings.current().daemon.gracePeriod);
    scanPlans();
  };
  const checkMain = async () => {
    const docs = hooks.docs;
    if ((await mainTip.moved(settings.current())) && docs)
      queue.add('docs sync (main moved)', () => docs(root, settings.current(), shutdown.signal));
  };
  const reload = (why: string) => {
    if (!shutdown.stopping()) settings.reload(why, schedules.reset);
  };
  const stop = (reason: string) => {
    if (shutdown.stopping()) return shutdown.killNow(reason);
    shutdown.begin(reason, settings.current().daemon.gracePeriod);
    heartbeat.beat();
    schedules.stop();
    void queue.close().then(async () => {
      await remote?.close();
      shutdown.settled();
      await watcher.close();
      heartbeat.stop();
      release();
      shutdown.stopped();
    });
  };

  const watcher = watchRepository(root, logger, (change) => {
    if (change === 'config') reload('jidoka.yaml changed');
    else if (change === 'plans') changed();
    else void checkMain().catch(() => {});
  });
  // queue.redis is read once, at start: a reload does not move the line onto or off the workers.
  const remote = queueRedisUrl(first)
    ? startDispatcher({
        root,
        logger,
        config: settings.current,
        rescan: () => scanPlans(),
        refuse: (id) => picker.refuse(id),
        localUsd: () => slots.spentUsd(),
      })
    : undefined;
  schedules.reset(settings.current());
  startBoard({ root, logger, config: settings.current, stopped: shutdown.done });
  // Where main is now, so that a later move (a merge) is seen as one.
  const mainKnown = checkMain().catch(() => {});
  scanPlans();
  // Changes made before the watcher was ready are not reported: look once more, then say so.
  void watcher.ready.then(async () => {
    if (shutdown.stopping()) return;
    await mainKnown;
    scanPlans();
    logger.info(`daemon: watching ${root} (line ${lineState(root)})`);
  });
  return { done: shutdown.done, stop, reload, poke: changed };
}

/**
 * Take the repository's daemon lock and load the config; a bad config, or a
 * sandbox that cannot run (bwrap missing while `sandbox.mode` is bwrap),
 * releases the lock again: the line refuses to start until a human fixes it.
 */
function claimRepository(root: string, logger: Logger): { release: () => void; config: Config } {
  const lock = jidokaPaths(root).lock;
  const previous = existsSync(lock) ? readLock(lock) : undefined;
  const release = acquireLock(lock, 'the jidoka daemon for this repository');
  let config: Config;
  try {
    config = loadConfig(root, { required: true }).config;
    assertSandboxReady(config.sandbox.mode);
  } catch (err) {
    release();
    throw err;
  }
  if (previous && isStale(previous))
    logger.warn(
      `daemon: took over the stale lock ${lock} left by pid ${previous.pid} (started ${previous.startedAt}); that process is gone`,
    );
  return { release, config };
}

function lineState(root: string): string {
  try {
    return readLine(root).state;
  } catch (err) {
    return `unreadable: ${describeError(err)}`;
  }
}
