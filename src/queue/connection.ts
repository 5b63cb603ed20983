import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { describeError } from '../core/errors.js';

/** The queue names: plans go to workers, steps (gate and report) come back to the daemon. */
export const PLANS = 'plans';
export const STEPS = 'steps';
/** One key prefix for every Jidoka queue in the Redis. */
export const PREFIX = 'jidoka';

/** The URL as logs may show it: a password becomes `***`. */
export function redactUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)([^@/]*)@/, (_m, scheme: string, auth: string) =>
    auth.includes(':') ? `${scheme}${auth.slice(0, auth.indexOf(':'))}:***@` : `${scheme}***@`,
  );
}

/** Whether Redis answers, as the daemon and the workers last saw it. */
export interface QueueHealth {
  reachable(): boolean;
  /** Since when it is unreachable (ISO), while it is. */
  downSince(): string | undefined;
  /** Called once each time the connection comes back after an outage. */
  onBack(fn: () => void): void;
}

/**
 * The Redis connections of one process (BullMQ wants one per queue, worker
 * and event stream), made by `connect`: `maxRetriesPerRequest: null`, as
 * BullMQ's workers require, TLS with `rediss://`, reconnecting for ever with
 * a bounded backoff. An outage is logged once when it starts and once when
 * it ends, not on every retry; commands issued meanwhile wait in ioredis's
 * offline queue, so nothing the caller sent is dropped.
 */
export function redisConnections(
  url: string,
  logger: Logger,
  who: string,
): { connect: () => Redis; health: QueueHealth; closeAll: () => void } {
  const all: Redis[] = [];
  let down: string | undefined;
  let everReady = false;
  const back: (() => void)[] = [];
  const lost = (err: unknown) => {
    if (down) return;
    down = new Date().toISOString();
    logger.warn(
      `${who}: the queue's Redis at ${redactUrl(url)} is unreachable (${describeError(err)}); reconnecting, nothing is lost meanwhile`,
    );
  };
  const ready = () => {
    if (!all.every((c) => c.status === 'ready')) return;
    const wasDown = down !== undefined && everReady;
    if (wasDown) logger.info(`${who}: the queue's Redis at ${redactUrl(url)} is reachable again`);
    down = undefined;
    everReady = true;
    if (wasDown) for (const fn of back) fn();
  };
  return {
    connect() {
      const c = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(100 * n, 2000) });
      c.on('error', lost);
      c.on('ready', ready);
      all.push(c);
      return c;
    },
    health: {
      reachable: () => down === undefined && all.length > 0 && all.every((c) => c.status === 'ready'),
      downSince: () => down,
      onBack: (fn) => back.push(fn),
    },
    closeAll() {
      for (const c of all) {
        c.disconnect();
      }
    },
  };
}
