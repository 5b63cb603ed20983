import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.js';
import { describeError, JidokaError } from '../core/errors.js';
import { configureLogger, log } from '../core/log.js';
import { type JidokaPaths, jidokaPaths } from '../core/paths.js';
import { findRepoRoot } from '../git/root.js';

/**
 * What every command gets: where it runs, the repository, its config, a logger.
 * The logger and the config are made on first use, so a command that needs
 * neither does not pay for loading pino, zod and yaml.
 */
export interface CliContext {
  cwd: string;
  /** The process logger (core/log.ts), created when first read. */
  readonly logger: Logger;
  /** The repository root; throws a clear error (exit 2) outside a git repo. */
  root(): string;
  paths(): JidokaPaths;
  /** jidoka.yaml validated (read once); refuses (exit 2) with every problem when it is bad. */
  config(opts?: { required?: boolean }): Promise<LoadedConfig>;
  /** Write command output (stdout). */
  out(text: string): void;
  /** Print a value as stable, documented JSON on stdout. */
  json(value: unknown): void;
}

export function contextFrom(cmd: Command): CliContext {
  const opts = cmd.optsWithGlobals() as { cwd?: string; logLevel?: string };
  const cwd = resolve(opts.cwd ?? process.cwd());
  configureLogger({ level: opts.logLevel });
  let root: string | undefined;
  let loaded: LoadedConfig | undefined;
  const ctx: CliContext = {
    cwd,
    get logger() {
      return log();
    },
    root: () => {
      root ??= findRepoRoot(cwd);
      return root;
    },
    paths: () => jidokaPaths(ctx.root()),
    config: async (o) => {
      if (!loaded) {
        const { loadConfigCached } = await import('../config/cached.js');
        loaded = await loadConfigCached(ctx.root(), o);
      }
      return loaded;
    },
    out: (text) => {
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    json: (value) => {
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
  return ctx;
}

/**
 * Wrap a command body: run it with a context, turn its return value into the
 * exit code (0 by default), and print errors for people (exit 2 unless the
 * error says otherwise). Commands never call process.exit themselves, so
 * pending writes and child cleanups finish.
 */
export function action<A extends unknown[]>(
  body: (ctx: CliContext, ...args: A) => Promise<number | undefined> | number | undefined,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    let ctx: CliContext | undefined;
    try {
      ctx = contextFrom(cmd);
      process.exitCode = (await body(ctx, ...args)) ?? 0;
    } catch (err) {
      process.stderr.write(`jidoka: ${describeError(err)}\n`);
      if (!(err instanceof JidokaError)) ctx?.logger.debug({ err }, 'unexpected error');
      process.exitCode = err instanceof JidokaError ? err.exitCode : 2;
    }
  };
}
