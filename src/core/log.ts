import { createRequire } from 'node:module';
import type { Logger } from 'pino';

/**
 * One logger for the process. JSON lines by default (what systemd, pm2 and
 * log shippers want), pretty when the log's stream is a terminal. The level
 * comes from `--log-level`, then `JIDOKA_LOG_LEVEL`, then `info`. Commands
 * log to stderr, so that stdout stays clean for their output and `--json`;
 * the daemon, which prints nothing else, logs to stdout (DESIGN.md), so a
 * service manager files its info lines as output, not as errors.
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
  /** stderr unless told (the daemon says stdout). */
  destination?: 'stdout' | 'stderr';
}

const require = createRequire(import.meta.url);
const loadPino = (): typeof import('pino') => require('pino') as typeof import('pino');

let current: Logger | undefined;
let configured: LoggerOptions | undefined;

export function createLogger(opts: LoggerOptions = {}): Logger {
  const pino = loadPino();
  const level = resolveLevel(opts.level);
  const fd = opts.destination === 'stdout' ? 1 : 2;
  const pretty = opts.pretty ?? Boolean((fd === 1 ? process.stdout : process.stderr).isTTY);
  if (pretty) {
    return pino({
      level,
      transport: {
        target: 'pino-pretty',
        options: { destination: fd, colorize: true, ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ level, base: { name: 'jidoka' } }, pino.destination({ dest: fd, sync: true }));
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

/** Send the process logger's lines to `destination` from now on (the daemon: stdout). */
export function logTo(destination: 'stdout' | 'stderr'): void {
  configureLogger({ ...configured, destination });
}

/** The process logger; plain JSON lines unless the CLI configured it. */
export function log(): Logger {
  current ??= createLogger(configured ?? { pretty: false });
  return current;
}
