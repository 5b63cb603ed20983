import type { Command } from 'commander';
import { action } from './context.js';

export function registerDaemon(program: Command): void {
  program
    .command('daemon')
    .description(
      'run the loops as a service, in the foreground (for systemd or pm2): runs approved plans, resumes interrupted ones, runs the schedules',
    )
    .action(
      action(async (ctx) => {
        const { startDaemon } = await import('../daemon/daemon.js');
        const { logTo } = await import('../core/log.js');
        logTo('stdout');
        const { loopHooks } = await import('../daemon/hooks.js');
        const daemon = startDaemon(ctx.root(), ctx.logger, loopHooks(ctx.logger));
        process.on('SIGTERM', () => daemon.stop('SIGTERM'));
        process.on('SIGINT', () => daemon.stop('SIGINT'));
        process.on('SIGHUP', () => daemon.reload('SIGHUP'));
        await daemon.done;
        const { releaseProcess } = await import('../daemon/release-process.js');
        releaseProcess(ctx.logger, 0);
        return 0;
      }),
    );
}
