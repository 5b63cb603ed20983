import type { Command } from 'commander';
import { queueRedisUrl } from '../config/queue-url.js';
import { action, type CliContext } from './context.js';

async function status(ctx: CliContext, opts: { json?: boolean }): Promise<number> {
  const { collectStatus, formatStatus } = await import('../status/status.js');
  const root = ctx.root();
  const { config } = await ctx.config();
  const s = collectStatus(root, config);
  // With queue.redis, one bounded look at the workers' queue (src/queue/probe.ts).
  const url = queueRedisUrl(config);
  const probe = url ? await import('../queue/probe.js') : undefined;
  const workers = probe && (await probe.probeQueue(url));
  if (opts.json) ctx.json(workers ? { ...s, workersQueue: workers } : s);
  else ctx.out(workers && probe ? `${formatStatus(s)}\n${probe.formatQueueProbe(workers)}` : formatStatus(s));
  return s.andon.line.state === 'stopped' ? 1 : 0;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('line state, daemon, queue, running steps, incidents, standards added and spend')
    .option('--json', 'print the status as JSON')
    .action(action(status));
}

/** The same command without commander (bin.ts), when no option but `--json` was given. */
export function runStatusDirect(json: boolean): Promise<void> {
  const noGlobals = { optsWithGlobals: () => ({}) } as unknown as Command;
  // commander passes the command after the options; action() reads the global options from it.
  const run = action(status) as (opts: { json?: boolean }, cmd: Command) => Promise<void>;
  return run({ json }, noGlobals);
}
