import { Redis } from 'ioredis';
import { describeError } from '../core/errors.js';
import { PLANS, PREFIX, redactUrl } from './connection.js';

/** What `jidoka status` says of the queue: whether its Redis answers, and the plan jobs waiting and running. */
export type QueueProbe =
  | { redis: string; reachable: true; waiting: number; running: number }
  | { redis: string; reachable: false; reason: string };

/**
 * One look at the queue's Redis, bounded (`timeoutMs`, no retry): a status
 * command must answer even when Redis is gone, and say so.
 */
export async function probeQueue(url: string, timeoutMs = 1500): Promise<QueueProbe> {
  const redis = redactUrl(url);
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => {});
  const timer = setTimeout(() => client.disconnect(), timeoutMs);
  try {
    await client.connect();
    const key = (name: string) => `${PREFIX}:${PLANS}:${name}`;
    const [waiting, running] = await Promise.all([client.llen(key('wait')), client.llen(key('active'))]);
    return { redis, reachable: true, waiting, running };
  } catch (err) {
    return { redis, reachable: false, reason: describeError(err) };
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

export function formatQueueProbe(p: QueueProbe): string {
  return p.reachable
    ? `workers queue: ${p.redis} reachable, ${p.waiting} plan job(s) waiting, ${p.running} running on workers`
    : `workers queue: ${p.redis} is UNREACHABLE (${p.reason}); the daemon and workers keep their state and reconnect`;
}
