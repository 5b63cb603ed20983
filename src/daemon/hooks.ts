import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { readLine } from '../andon/line.js';
import type { Config } from '../config/schema.js';
import { jidokaPaths } from '../core/paths.js';
import { runAudit } from '../loops/audit/audit.js';
import { syncDocs } from '../loops/document/document.js';
import { lintWiki } from '../wiki/lint.js';
import type { DaemonHooks } from './daemon.js';

/**
 * The scheduled loops as the daemon runs them. A stopped line runs no audit
 * (it would spend agent budget on plans nobody can run); the docs loop only
 * writes the wiki on a branch or main, so it runs unless the line is stopped.
 */
export function loopHooks(logger: Logger): DaemonHooks {
  return {
    audit: async (root, config, signal) => {
      if (!config.agents.auditor) return logger.info('audit: no auditor configured; skipped');
      if (readLine(root).state === 'stopped') return logger.info('audit: the line is stopped; skipped');
      const outcome = await runAudit({
        root,
        config,
        logger,
        signal,
        wikiFindings: await wikiSignals(root, config),
      });
      logger.info(
        `audit: proposed ${outcome.proposed.length}, invalid ${outcome.invalid.length}${outcome.agentFailure ? `; the auditor failed: ${outcome.agentFailure}` : ''}`,
      );
    },
    docs: async (root, config, signal) => {
      await docsAfterMerge(root, config, logger, signal);
    },
  };
}

/**
 * The documentation loop after a merge or on schedule, when a docs agent is
 * configured. `signal` (the daemon's shutdown) stops a hung docs agent, so a
 * shutdown waits the grace period, not the agent's own timeout.
 */
export async function docsAfterMerge(
  root: string,
  config: Config,
  logger: Logger,
  signal?: AbortSignal,
): Promise<string | undefined> {
  if (!config.agents.docs) {
    logger.info('docs: no docs agent configured; skipped');
    return undefined;
  }
  if (readLine(root).state === 'stopped') {
    logger.info('docs: the line is stopped; skipped');
    return undefined;
  }
  if (!existsSync(jidokaPaths(root).wikiDir)) {
    const skipped = 'no wiki/ folder (run `jidoka init`); the documentation loop was skipped';
    logger.info(`docs: ${skipped}`);
    return skipped;
  }
  const result = await syncDocs({ root, config, signal, say: (line) => logger.info(`docs: ${line}`) });
  logger.info(`docs: ${result.message}`);
  return result.message;
}

/** Wiki lint findings as audit signals (stale pages, uncovered sources, broken links). */
export async function wikiSignals(root: string, config: Config) {
  if (!existsSync(jidokaPaths(root).wikiDir)) return [];
  const report = await lintWiki({ root, config });
  return report.findings.map((f) => ({ rule: f.rule, file: f.file, line: f.line, message: f.message }));
}
