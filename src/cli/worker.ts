import type { Command } from 'commander';
import { action } from './context.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'run plans the daemon dispatches through queue.redis, in this clone, in the foreground (for systemd): each step asked of and reported to the daemon',
    )
    .option('--name <name>', 'how the daemon and the logs name this worker (default: host-pid)')
    .option('--concurrency <n>', 'plans this worker runs at once', '1')
    .action(
      action(async (ctx, opts: { name?: string; concurrency: string }) => {
        const { startQueueWorker } = await import('../queue/worker.js');
        const { logTo } = await import('../core/log.js');
        logTo('stdout');
        const concurrency = Number(opts.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1) {
          ctx.logger.error(
            `--concurrency must be a whole number of 1 or more, got ${JSON.stringify(opts.concurrency)}`,
          );
          return 2;
        }
        const worker = startQueueWorker(ctx.root(), ctx.logger, {
          concurrency,
          ...(opts.name ? { name: opts.name } : {}),
        });
        process.on('SIGTERM', () => worker.stop('SIGTERM'));
        process.on('SIGINT', () => worker.stop('SIGINT'));
        await worker.done;
        const { releaseProcess } = await import('../daemon/release-process.js');
        releaseProcess(ctx.logger, 0);
        return 0;
      }),
    );
}
