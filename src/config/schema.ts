import cron from 'node-cron';
import { z } from 'zod';
import { parseDuration } from '../core/duration.js';
import { WIKI_LIMITS } from '../wiki/limits.js';

/**
 * The one place that knows the shape of `jidoka.yaml`. Everything else reads
 * the typed `Config` this produces; durations arrive here as strings ("10m")
 * and leave as milliseconds. The file `jidoka init` writes documents every key
 * and default below; keep the two in step (a test compares them).
 */
export { ROLES, type Role } from './roles.js';

export const ADAPTERS = ['claude', 'codex', 'opencode', 'gemini', 'pi', 'aider', 'command'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration like "30s", "10m" or "2h", got ${JSON.stringify(v)}`,
    });
    return z.NEVER;
  }
  return ms;
});

const cronExpr = z.string().refine((v) => v === '' || cron.validate(v), {
  message: 'expected a cron expression like "0 3 * * 1" (minute hour day month weekday), or "" to disable',
});

const positiveInt = z.number().int().positive();

/** Where BullMQ's Redis is: redis:// or rediss:// (TLS), a password in the URL if it needs one; "" = no queue. */
const redisUrl = z.string().refine((v) => v === '' || /^rediss?:\/\/[^\s]+$/.test(v), {
  message:
    'expected a Redis URL like "redis://host:6379", "redis://:password@host:6379" or "rediss://host:6380" (TLS), or "" for no queue',
});

const price = z.strictObject({
  inputPerMTok: z.number().nonnegative(),
  outputPerMTok: z.number().nonnegative(),
  cachedInputPerMTok: z.number().nonnegative().optional(),
});

export const SANDBOX_MODES = ['bwrap', 'none'] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];

/** A path a sandboxed step may also write: absolute, or under `~/` (the user's real home). */
/** A path inside the worktree that `worktree.setup` produces (`node_modules`), copied from the install cache. */
const reusePath = z
  .string()
  .min(1)
  .refine((p) => !/^(\/|\.\.?(\/|$)|\.git(\/|$))/.test(p) && !p.split('/').includes('..'), {
    message: 'must be a path inside the worktree (relative, no `..`, not `.git`), e.g. node_modules',
  });
const sandboxPath = z.string().refine((p) => p.startsWith('/') || p === '~' || p.startsWith('~/'), {
  message: 'expected an absolute path or one under ~/ (e.g. "~/.claude")',
});
const sandboxWritable = z.array(sandboxPath).default([]);

export const agentSchema = z
  .strictObject({
    adapter: z.enum(ADAPTERS),
    model: z.string().min(1).optional(),
    bin: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    timeout: duration.optional(),
    maxTurns: positiveInt.optional(),
    maxBudgetUsd: z.number().positive().optional(),
    command: z.array(z.string()).min(1).optional(),
    price: price.optional(),
    sandbox: z.strictObject({ writable: sandboxWritable }).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.adapter === 'command' && !a.command)
      ctx.addIssue({
        code: 'custom',
        path: ['command'],
        message:
          'adapter "command" needs command: [argv...] (placeholders {prompt_file} {report_file} {worktree})',
      });
  });
/**
 * A role's sandbox as the runner uses it: the global `sandbox.mode`, and the
 * global `sandbox.writable` followed by the role's own (merged once, when the
 * config is read). An AgentConfig built by hand without it runs under bwrap.
 */
export interface AgentSandbox {
  mode: SandboxMode;
  writable: string[];
}
export type AgentConfig = Omit<z.output<typeof agentSchema>, 'sandbox'> & { sandbox?: AgentSandbox };

const check = z.union([
  z.string().min(1),
  z.strictObject({
    name: z.string().min(1).optional(),
    run: z.string().min(1),
    timeout: duration.optional(),
  }),
]);

const configShape = z.strictObject({
  agents: z
    .strictObject({
      maker: agentSchema.optional(),
      checker: agentSchema.optional(),
      goal: agentSchema.optional(),
      auditor: agentSchema.optional(),
      docs: agentSchema.optional(),
      diagnose: agentSchema.optional(),
    })
    .default({}),
  checks: z.array(check).default([]),
  worktree: z
    .strictObject({ setup: z.array(check).default([]), reuse: z.array(reusePath).default([]) })
    .prefault({}),
  limits: z
    .strictObject({
      maxAttempts: positiveInt.default(3),
      consecutiveFailures: positiveInt.default(3),
      repeatFailure: positiveInt.default(3),
      humanRetries: positiveInt.default(2),
      noProgress: duration.default(600_000),
      agentTimeout: duration.default(1_800_000),
      checkTimeout: duration.default(600_000),
      outOfScopeBlock: positiveInt.default(1),
      outOfScopeRollback: positiveInt.default(5),
      maxPlansPerAudit: positiveInt.default(5),
      maxChunksPerPlan: positiveInt.default(10),
      wikiAutoFixMaxIssues: z.number().int().nonnegative().default(10),
      maxParallelPlans: positiveInt.default(1),
      maxParallelChecks: z.number().int().nonnegative().default(0),
      budgetUsdPerPlan: z.number().nonnegative().default(5),
      budgetUsdPerDay: z.number().nonnegative().default(50),
      budgetTokensPerPlan: z.number().int().nonnegative().default(0),
      maxOutputBytes: positiveInt.default(10 * 1024 * 1024),
      maxLogExcerptBytes: positiveInt.default(8 * 1024),
      maxFileBytes: positiveInt.default(5 * 1024 * 1024),
    })
    .prefault({}),
  schedule: z
    .strictObject({
      audit: cronExpr.default('0 3 * * 1'),
      docs: cronExpr.default('0 4 * * *'),
      timezone: z.string().default('UTC'),
    })
    .prefault({}),
  approval: z.strictObject({ auto: z.boolean().default(false) }).prefault({}),
  merge: z.strictObject({ mode: z.enum(['human', 'auto']).default('human') }).prefault({}),
  git: z.strictObject({ mainBranch: z.string().default('') }).prefault({}),
  docs: z
    .strictObject({
      commit: z.enum(['branch', 'main']).default('branch'),
      uncovered: z.array(z.string()).default(['src/**']),
    })
    .prefault({}),
  wiki: z
    .strictObject({
      maxPageBytes: positiveInt.default(WIKI_LIMITS.maxPageBytes),
      maxNesting: positiveInt.default(WIKI_LIMITS.maxNesting),
      parseTimeout: duration.default(WIKI_LIMITS.parseTimeoutMs),
      links: z
        .strictObject({
          ignore: z.array(z.string().min(1)).default([]),
          siteRoot: z.string().default(''),
        })
        .prefault({}),
    })
    .prefault({}),
  alerts: z
    .strictObject({
      webhook: z.string().default(''),
      command: z.array(z.string()).default([]),
      timeout: duration.default(10_000),
      retries: z.number().int().nonnegative().default(2),
    })
    .prefault({}),
  daemon: z.strictObject({ gracePeriod: duration.default(30_000) }).prefault({}),
  queue: z
    .strictObject({
      redis: redisUrl.default(''),
      localWorkers: z.number().int().nonnegative().default(0),
      remote: z.string().min(1).default('origin'),
      approvalKey: z.string().min(1).default('.jidoka/queue/approval.pub'),
      lockDuration: duration.default(30_000),
      stalledInterval: duration.default(30_000),
      stepTimeout: duration.default(600_000),
    })
    .prefault({}),
  board: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(7420),
    })
    .prefault({}),
  sandbox: z
    .strictObject({ mode: z.enum(SANDBOX_MODES).default('bwrap'), writable: sandboxWritable })
    .prefault({}),
});

export const configSchema = configShape.transform((c) => ({
  ...c,
  agents: Object.fromEntries(
    Object.entries(c.agents).map(([role, a]) => [
      role,
      a && {
        ...a,
        sandbox: { mode: c.sandbox.mode, writable: [...c.sandbox.writable, ...(a.sandbox?.writable ?? [])] },
      },
    ]),
  ) as { [R in keyof typeof c.agents]?: AgentConfig },
}));

export type Config = z.output<typeof configSchema>;
export type CheckConfig = Config['checks'][number];
export type Limits = Config['limits'];

/** The configuration used when a repository has no jidoka.yaml yet. */
export function defaultConfig(): Config {
  return configSchema.parse({});
}
