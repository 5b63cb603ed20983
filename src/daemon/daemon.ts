import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { readLine } from '../andon/line.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { formatDuration } from '../core/duration.js';
import { describeError } from '../core/errors.js';
import { acquireLock, isStale, readLock } from '../core/lock.js';
import { jidokaPaths } from '../core/paths.js';
import { gitAt, mainBranch, revParse } from '../git/repo.js';
import { executePlan } from '../loops/execute/execute.js';
import { autoMerge } from '../merge/merge.js';
import { surveyPlans } from './next-plan.js';

/**
 * The daemon: one per repository (a pid lock with stale-lock recovery). It
 * runs approved plans as they appear (chokidar on plans/), resumes plans a
 * crash interrupted, runs the scheduled loops (node-cron), and reloads its
 * config on SIGHUP or when jidoka.yaml changes. On SIGTERM/SIGINT it takes no
 * new work, lets the running step finish within `daemon.gracePeriod`, then
 * kills the agent's process group; the checkpoint lets the next start resume.
 */
export interface DaemonHooks {
  /**
   * Scheduled and after-merge loops, wired by the CLI so the daemon does not
   * import every loop. `signal` aborts when the grace period of a shutdown runs out.
   */
  audit?: (root: string, config: Config, signal: AbortSignal) => Promise<void>;
  docs?: (root: string, config: Config, signal: AbortSignal) => Promise<void>;
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

type Hook = NonNullable<DaemonHooks['audit']>;

export function startDaemon(root: string, logger: Logger, hooks: DaemonHooks = {}): Daemon {
  const paths = jidokaPaths(root);
  const previous = existsSync(paths.lock) ? readLock(paths.lock) : undefined;
  const release = acquireLock(paths.lock, 'the jidoka daemon for this repository');
  let config: Config;
  try {
    config = loadConfig(root, { required: true }).config;
  } catch (err) {
    release();
    throw err;
  }
  if (previous && isStale(previous))
    logger.warn(
      `daemon: took over the stale lock ${paths.lock} left by pid ${previous.pid} (started ${previous.startedAt}); that process is gone`,
    );
  let stopping = false;
  let busy: Promise<void> | undefined;
  const abort = new AbortController();
  let tasks: ScheduledTask[] = [];
  /** Plans whose start threw: not retried by the rescan after each item (no hot loop), only after a file event. */
  const refused = new Set<string>();
  /** Plan contents already reported as approved without a human's approval (said once each). */
  const unapproved = new Set<string>();
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });

  const schedule = () => {
    for (const t of tasks) t.stop();
    tasks = [];
    const add = (name: string, expr: string, fn: Hook | undefined) => {
      if (!expr || !fn) return;
      tasks.push(
        cron.schedule(
          expr,
          () => enqueue(`${name} (schedule ${expr})`, () => fn(root, config, abort.signal)),
          { timezone: config.schedule.timezone, name: `jidoka-${name}` },
        ),
      );
    };
    add('audit', config.schedule.audit, hooks.audit);
    add('docs', config.schedule.docs, hooks.docs);
  };

  /** Work runs one item at a time (maxParallelPlans above 1 is reserved; plans share the checks' resources). */
  const queue: { name: string; fn: () => Promise<void> }[] = [];
  const enqueue = (name: string, fn: () => Promise<void>) => {
    if (stopping) return;
    // A schedule that fires while its previous run still waits in the queue adds nothing.
    if (queue.some((q) => q.name === name)) return;
    queue.push({ name, fn });
    pump();
  };
  const pump = () => {
    if (busy || stopping) return;
    const next = queue.shift();
    if (!next) return;
    busy = (async () => {
      logger.info(`daemon: ${next.name}`);
      try {
        await next.fn();
      } catch (err) {
        logger.error(`daemon: ${next.name} failed: ${describeError(err)}`);
      }
    })().finally(() => {
      busy = undefined;
      // A finished item may have made room for the next plan (or changed none): look again.
      if (queue.length) pump();
      else scanPlans();
    });
  };

  const runPlan = async (id: string) => {
    let outcome: Awaited<ReturnType<typeof executePlan>>;
    try {
      outcome = await executePlan({
        root,
        config,
        planId: id,
        logger,
        signal: abort.signal,
        draining: () => stopping,
      });
    } catch (err) {
      refused.add(id);
      throw err;
    }
    logger.info(`daemon: plan ${id}: ${outcome.message}`);
    // merge.mode: auto merges low-risk plans as `jidoka run` does; the watched main ref then starts the docs loop.
    if (outcome.status !== 'done' || stopping) return;
    try {
      const merged = await autoMerge(root, config, id);
      if (merged)
        logger.info(
          `daemon: plan ${id} merged automatically (merge.mode: auto, risk: low): ${merged.slice(0, 12)}`,
        );
    } catch (err) {
      logger.error(
        `daemon: plan ${id} is done, but the automatic merge failed: ${describeError(err)}; merge it by hand with \`jidoka merge ${id}\``,
      );
    }
  };

  const scanPlans = () => {
    if (stopping || busy) return; // the scan after the running item sees what changed meanwhile
    try {
      if (readLine(root).state === 'stopped') {
        logger.info('daemon: the line is stopped; no plan starts until `jidoka andon resolve`');
        return;
      }
      const survey = surveyPlans(root, config.limits.maxChunksPerPlan);
      for (const u of survey.unapproved) {
        // Its goal checks would never run (they are agent-written commands), so it could not finish.
        if (unapproved.has(`${u.id}:${u.hash}`)) continue;
        unapproved.add(`${u.id}:${u.hash}`);
        logger.warn(
          `daemon: plan ${u.id} says status: approved, but no human approved this content (no matching record in .jidoka/state/approvals.json); not starting it. Set status: proposed, then \`jidoka plan approve ${u.id}\``,
        );
      }
      for (const h of survey.held)
        logger.debug(`daemon: plan ${h.id} is being run by pid ${h.pid}; leaving it`);
      const next = survey.ready.find((r) => !refused.has(r.id));
      // One at a time; the scan after it picks up the rest.
      if (next) enqueue(`${next.resumable ? 'resume' : 'run'} plan ${next.id}`, () => runPlan(next.id));
    } catch (err) {
      logger.error(`daemon: could not look for plans: ${describeError(err)}`);
    }
  };

  /** Something on disk changed: plans refused before get another chance. */
  const changed = () => {
    refused.clear();
    scanPlans();
  };

  let lastMain: string | undefined;
  const checkMain = async () => {
    const git = gitAt(root);
    const sha = await revParse(git, await mainBranch(git, config.git.mainBranch));
    if (lastMain && sha && sha !== lastMain && hooks.docs) {
      const docs = hooks.docs;
      enqueue('docs sync (main moved)', () => docs(root, config, abort.signal));
    }
    lastMain = sha;
  };

  // Only paths that exist are watched: chokidar 5 says "ready" too early when
  // one does not (a change right after is lost). The folders are made instead,
  // and the state folder is watched for its two files only.
  const plansDir = join(root, 'plans');
  mkdirSync(plansDir, { recursive: true });
  mkdirSync(paths.state, { recursive: true });
  const configFile = join(root, 'jidoka.yaml');
  const approvals = join(paths.state, 'approvals.json');
  const stateFiles = new Set([paths.state, paths.line, approvals]);
  const watchPaths = [
    plansDir,
    configFile,
    paths.state,
    join(root, '.git', 'refs', 'heads'),
    join(root, '.git', 'packed-refs'),
  ].filter((p) => existsSync(p));
  const watcher: FSWatcher = chokidar.watch(watchPaths, {
    ignoreInitial: true,
    awaitWriteFinish: { stabilityThreshold: 200, pollInterval: 50 },
    ignored: (p: string) => /\.(lock|tmp)$/.test(p) || (p.startsWith(paths.state) && !stateFiles.has(p)),
  });
  watcher.on('all', (_event, path) => {
    if (path === configFile) reload('jidoka.yaml changed');
    else if (path === paths.line || path === approvals || path.startsWith(plansDir)) changed();
    else if (path.includes(join('.git', 'refs')) || path.endsWith('packed-refs'))
      void checkMain().catch(() => {});
  });
  watcher.on('error', (err) => logger.warn(`daemon: file watcher: ${describeError(err)}`));

  /** The plan running now keeps the config it started with; the next item gets the new one. */
  const reload = (why: string) => {
    if (stopping) return;
    try {
      config = loadConfig(root, { required: true }).config;
      schedule();
      logger.info(`daemon: configuration reloaded (${why})`);
    } catch (err) {
      logger.error(
        `daemon: jidoka.yaml not reloaded (${why}), keeping the running configuration: ${describeError(err)}`,
      );
    }
  };

  const stop = (reason: string) => {
    if (stopping) {
      if (!abort.signal.aborted) {
        logger.warn(`daemon: ${reason} again; killing the running step now (it resumes on the next start)`);
        abort.abort(new Error(reason));
      }
      return;
    }
    stopping = true;
    logger.info(`daemon: ${reason}; taking no new work`);
    for (const t of tasks) t.stop();
    queue.length = 0;
    const grace = setTimeout(() => {
      logger.warn(
        `daemon: the running step did not finish within ${formatDuration(config.daemon.gracePeriod)}; killing it (it resumes on the next start)`,
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
  // Where main is now, so that a later move (a merge) is seen as one.
  const mainKnown = checkMain().catch(() => {});
  scanPlans();
  // Changes made before the watcher was ready are not reported: look once more, then say so.
  let ready = false;
  watcher.on('ready', async () => {
    if (ready || stopping) return;
    ready = true;
    await mainKnown;
    scanPlans();
    let line: string;
    try {
      line = readLine(root).state;
    } catch (err) {
      line = `unreadable: ${describeError(err)}`;
    }
    logger.info(`daemon: watching ${root} (line ${line})`);
  });
  return { done, stop, reload, poke: changed };
}
