import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../config/schema.js';

/** A scheduled loop as the daemon runs it (wired by the CLI, so the daemon imports no loop). */
export type ScheduledLoop = (root: string, config: Config, signal: AbortSignal) => Promise<void>;

export interface Schedules {
  /** Replace the cron tasks with those of `config` (at start and on every reload). */
  reset(config: Config): void;
  /** End every task (shutdown). */
  stop(): void;
}

/**
 * `schedule.audit` and `schedule.docs` as node-cron tasks in
 * `schedule.timezone`; `""` or a loop the CLI did not wire disables one. A
 * firing only queues the loop: `enqueue` decides when (and whether) it runs.
 */
export function createSchedules(
  root: string,
  loops: { audit?: ScheduledLoop; docs?: ScheduledLoop },
  enqueue: (name: string, run: () => Promise<void>) => void,
  signal: AbortSignal,
): Schedules {
  let tasks: ScheduledTask[] = [];
  const stop = () => {
    for (const t of tasks) t.stop();
    tasks = [];
  };
  const reset = (config: Config) => {
    stop();
    for (const name of ['audit', 'docs'] as const) {
      const expr = config.schedule[name];
      const loop = loops[name];
      if (!expr || !loop) continue;
      const run = () => enqueue(`${name} (schedule ${expr})`, () => loop(root, config, signal));
      tasks.push(cron.schedule(expr, run, { timezone: config.schedule.timezone, name: `jidoka-${name}` }));
    }
  };
  return { reset, stop };
}
