import type { Logger } from 'pino';
import { formatDuration } from '../core/duration.js';

export interface Shutdown {
  /** Aborts the running step: when the grace period runs out, or at a second signal. */
  readonly signal: AbortSignal;
  stopping(): boolean;
  /** Take no new work; the running step gets `gracePeriod` ms, then is killed. */
  begin(reason: string, gracePeriod: number): void;
  /** A second signal while stopping: kill the running step now. */
  killNow(reason: string): void;
  /** The running step ended within the grace period: nothing to kill. */
  settled(): void;
  /** Everything is closed: say so and resolve `done`. */
  stopped(): void;
  /** Resolves when the daemon has stopped. */
  readonly done: Promise<void>;
}

/**
 * A shutdown in two stages, so a step that is nearly done can finish (and
 * be checkpointed) while a hung one cannot hold the daemon: SIGTERM waits
 * `daemon.gracePeriod`, then aborts; a second signal aborts at once. The
 * killed step resumes on the next start.
 */
export function createShutdown(logger: Logger): Shutdown {
  const abort = new AbortController();
  let stopping = false;
  let grace: NodeJS.Timeout | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  return {
    signal: abort.signal,
    done,
    stopping: () => stopping,
    begin(reason, gracePeriod) {
      stopping = true;
      logger.info(`daemon: ${reason}; taking no new work`);
      grace = setTimeout(() => {
        logger.warn(
          `daemon: the running step did not finish within ${formatDuration(gracePeriod)}; killing it (it resumes on the next start)`,
        );
        abort.abort(new Error(reason));
      }, gracePeriod);
    },
    killNow(reason) {
      if (abort.signal.aborted) return;
      logger.warn(`daemon: ${reason} again; killing the running step now (it resumes on the next start)`);
      abort.abort(new Error(reason));
    },
    settled() {
      clearTimeout(grace);
    },
    stopped() {
      logger.info('daemon: stopped');
      resolveDone();
    },
  };
}
