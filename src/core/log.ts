import pino, { type Logger } from 'pino';

/**
 * One logger for the process. JSON lines by default (what systemd, pm2 and
 * log shippers want), pretty when stderr is a terminal. The level comes from
 * `--log-level`, then `JIDOKA_LOG_LEVEL`, then `info`. Logs go to stderr so
 * that stdout stays clean for command output and `--json`.
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

let current: Logger | undefined;

export function createLogger(opts: { level?: string; pretty?: boolean } = {}): Logger {
  const level = resolveLevel(opts.level);
  const pretty = opts.pretty ?? Boolean(process.stderr.isTTY);
  if (pretty) {
    return pino({
      level,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, colorize: true, ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ level, base: { name: 'jidoka' } }, pino.destination({ dest: 2, sync: true }));
}

export function resolveLevel(flag?: string): LogLevel {
  const raw = (flag ?? process.env.JIDOKA_LOG_LEVEL ?? 'info').toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(raw) ? (raw as LogLevel) : 'info';
}

export function setLogger(logger: Logger): void {
  current = logger;
}

/** The process logger; a quiet JSON logger until the CLI sets one up. */
export function log(): Logger {
  current ??= pino(
    { level: resolveLevel(), base: { name: 'jidoka' } },
    pino.destination({ dest: 2, sync: true }),
  );
  return current;
}
