import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { describeError } from '../core/errors.js';

/**
 * The daemon's one step for the board: when `board.port` is not 0, make the
 * token, start the wiki's live lint, and serve the board; close all of it
 * when the daemon has stopped. Loaded lazily, so a daemon without a board
 * pays nothing; a board that cannot start (the port taken) is reported and
 * the line runs on without it. Host and port are read at start (a changed
 * `board:` needs a restart).
 */
export function startBoard(opts: {
  root: string;
  logger: Logger;
  config: () => Config;
  /** Resolves when the daemon has stopped. */
  stopped: Promise<void>;
}): void {
  const { host, port } = opts.config().board;
  if (port === 0) return;
  let stopped = false;
  void opts.stopped.then(() => {
    stopped = true;
  });
  void (async () => {
    const [{ ensureToken, tokenFile }, { startLiveLint }, { serveBoard }] = await Promise.all([
      import('./token.js'),
      import('../wiki/live-lint.js'),
      import('./server.js'),
    ]);
    const token = ensureToken(opts.root);
    const wiki = startLiveLint(opts.root, opts.config(), { onError: (m) => opts.logger.warn(`board: ${m}`) });
    let board: Awaited<ReturnType<typeof serveBoard>> | undefined;
    try {
      board = await serveBoard(
        { root: opts.root, config: opts.config, token, host, wiki: wiki.current },
        port,
      );
    } catch (err) {
      await wiki.close();
      throw err;
    }
    const close = async () => {
      await board?.close();
      await wiki.close();
    };
    if (stopped) return close();
    void opts.stopped.then(close);
    opts.logger.info(`board: ${board.url} (actions need the token in ${tokenFile(opts.root)})`);
  })().catch((err) =>
    opts.logger.warn(
      `board: not started on ${host}:${port}: ${describeError(err)} (set board.port in jidoka.yaml to another port, or 0 to turn the board off)`,
    ),
  );
}
