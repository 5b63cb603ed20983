import { JidokaError } from '../core/errors.js';
import type { Config } from './schema.js';

/** The environment variable that gives the workers' Redis URL in place of `queue.redis`. */
export const QUEUE_REDIS_ENV = 'JIDOKA_QUEUE_REDIS';

/**
 * The Redis URL of the workers' queue: `$JIDOKA_QUEUE_REDIS` when set, else
 * `queue.redis` from jidoka.yaml ("" = no queue). The variable keeps a
 * password out of jidoka.yaml, which every agent can read; agents never
 * inherit it (every `JIDOKA_` variable is scrubbed from their environment),
 * and it is never written to the config cache, since it is read here, after
 * the config was loaded.
 */
export function queueRedisUrl(config: Config, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[QUEUE_REDIS_ENV];
  if (fromEnv === undefined || fromEnv === '') return config.queue.redis;
  if (!/^rediss?:\/\/\S+$/.test(fromEnv))
    throw new JidokaError(
      `${QUEUE_REDIS_ENV} is not a Redis URL: expected "redis://host:6379", "redis://:password@host:6379" or "rediss://host:6380" (TLS)`,
      {
        exitCode: 2,
        hint: `fix or unset ${QUEUE_REDIS_ENV}; queue.redis in jidoka.yaml is used when it is unset`,
      },
    );
  return fromEnv;
}
