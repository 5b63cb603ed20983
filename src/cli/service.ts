import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { queueRedisUrl } from '../config/queue-url.js';
import { JidokaError } from '../core/errors.js';
import { action } from './context.js';

export function registerService(program: Command): void {
  program
    .command('service <kind>')
    .description(
      'write a systemd unit or a pm2 ecosystem file that runs `jidoka daemon` for this repository (kind: systemd | pm2)',
    )
    .option('--stdout', 'print the file instead of writing it under .jidoka/service/')
    .option(
      '--worker',
      'run `jidoka worker` (plans from queue.redis, on a further machine) instead of the daemon',
    )
    .action(
      action(async (ctx, kind: string, opts: { stdout?: boolean; worker?: boolean }) => {
        if (kind !== 'systemd' && kind !== 'pm2')
          throw new JidokaError(`unknown service kind ${JSON.stringify(kind)}`, {
            exitCode: 2,
            hint: 'use `jidoka service systemd` or `jidoka service pm2`',
          });
        const { pm2Ecosystem, serviceName, systemdUnit } = await import('../daemon/service.js');
        const { writeFileAtomic } = await import('../core/atomic-write.js');
        const root = ctx.root();
        const { config } = await ctx.config({ required: true });
        const spec = {
          root,
          node: process.execPath,
          cli: fileURLToPath(new URL('./main.js', import.meta.url)),
          config,
          ...(process.env.PATH ? { path: process.env.PATH } : {}),
          ...(opts.worker ? { worker: true } : {}),
        };
        if (opts.worker && kind !== 'systemd')
          throw new JidokaError('--worker writes a systemd unit only', {
            exitCode: 2,
            hint: 'use `jidoka service systemd --worker`',
          });
        if (opts.worker && !queueRedisUrl(config))
          throw new JidokaError(
            'a worker needs queue.redis in jidoka.yaml (the Redis the daemon dispatches to)',
            {
              exitCode: 2,
              hint: 'set queue: { redis: "redis://host:6379" }, the same as on the daemon',
            },
          );
        const text = kind === 'systemd' ? systemdUnit(spec) : pm2Ecosystem(spec);
        if (opts.stdout) {
          ctx.out(text);
          return 0;
        }
        const file = join(
          ctx.paths().dir,
          'service',
          kind === 'systemd' ? `${serviceName(root, opts.worker)}.service` : 'ecosystem.config.cjs',
        );
        writeFileAtomic(file, text);
        ctx.out(
          `wrote ${file}\n${text
            .split('\n')
            .filter((l) => l.startsWith('#   ') || l.startsWith('// Start'))
            .join('\n')}`,
        );
        return 0;
      }),
    );
}
