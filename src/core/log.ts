import { createRequire } from 'node:module';
import type { Logger } from 'pino';

/**
 * One logger for the process. JSON lines by default (what systemd, pm2 and
 * log shippers want), pretty when stderr is a terminal. The level comes from
 * `--log-level`, then `JIDOKA_LOG_LEVEL`, then `info`. Logs go to stderr so
 * that stdout stays clean for command output and `--json`.
 *
 * pino is required on first use, not imported: importing it costs ~50 ms of
 * start-up that commands which never log should not pay, and a logger is
 * wanted synchronously, which a dynamic `import()` cannot give.
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level?: string;
  pretty?: boolean;
}

const require = createRequire(import.meta.url);
const loadPino = (): typeof import('pino') => require('pino') as typeof import('pino');

let current: Logger | undefined;
let configured: LoggerOptions | undefined;

export function createLogger(opts: LoggerOptions = {}): Logger {
  const pino = loadPino();
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

/**
 * What the CLI chose (`--log-level`, a terminal or not): the process logger
 * is created from these options the first time anything logs.
 */
export function configureLogger(opts: LoggerOptions): void {
  configured = opts;
  current = undefined;
}

/** The process logger; plain JSON lines unless the CLI configured it. */
export function log(): Logger {
  current ??= createLogger(configured ?? { pretty: false });
  return current;
}
