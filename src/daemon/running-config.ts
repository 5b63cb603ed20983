import type { Logger } from 'pino';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { describeError } from '../core/errors.js';

export interface RunningConfig {
  /** The config the next item starts with; an item already running keeps the one it started with. */
  current(): Config;
  /**
   * Re-read jidoka.yaml and `apply` it (the schedules); `why` names what
   * asked, for the log. A file that does not load is reported with its
   * `file:line: key` problems and the running config is kept.
   */
  reload(why: string, apply: (config: Config) => void): void;
}

export function runningConfig(root: string, first: Config, logger: Logger): RunningConfig {
  let config = first;
  return {
    current: () => config,
    reload(why, apply) {
      try {
        config = loadConfig(root, { required: true }).config;
        apply(config);
        logger.info(`daemon: configuration reloaded (${why})`);
      } catch (err) {
        logger.error(
          `daemon: jidoka.yaml not reloaded (${why}), keeping the running configuration: ${describeError(err)}`,
        );
      }
    },
  };
}
