import type { Logger } from 'pino';

/**
 * After the daemon has stopped, let the process end. A service manager that
 * forks the daemon with an IPC channel (pm2 does, and its agent listens on
 * it) keeps the event loop alive, so pm2 waited its whole `kill_timeout`
 * and then SIGKILLed a daemon that had already logged "stopped". The channel
 * is closed first; anything else still holding the loop after `graceMs` is
 * named in the log, and the process exits with `code` anyway.
 */
export function releaseProcess(logger: Logger, code: number, graceMs = 3000): void {
  if (process.connected) process.disconnect();
  setTimeout(() => {
    logger.warn(
      `daemon: still running ${graceMs} ms after it stopped (open handles: ${process.getActiveResourcesInfo().join(', ') || 'none'}); exiting`,
    );
    process.exit(code);
  }, graceMs).unref();
}
