import { z } from 'zod';
import { BREAKERS, CATEGORIES } from '../core/types.js';
import type { PlanState } from '../loops/execute/plan-state.js';

/**
 * Everything that crosses the queue, as zod schemas: a plan job (daemon →
 * worker) and the step messages (worker → daemon) with their answers. Both
 * sides validate what they receive before they act on it; a payload that
 * does not parse is refused, never guessed at.
 */

const planId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'a plan id');
const spend = z.strictObject({ costUsd: z.number().nonnegative(), tokens: z.number().nonnegative() });

export const approvalSchema = z.strictObject({
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  by: z.string().min(1).max(200),
  at: z.string().min(1).max(64),
});

/** A plan job: the plan as the daemon has it, its human approval, and the daemon's signature over both. */
export const planJobSchema = z.strictObject({
  plan: planId,
  planText: z
    .string()
    .min(1)
    .max(1024 * 1024),
  approval: approvalSchema,
  signature: z.string().min(1).max(200),
});
export type PlanJob = z.infer<typeof planJobSchema>;

/** A checkpoint as it crosses the queue: the fields the daemon acts on are checked, the rest is carried. */
const checkpointSchema = z.looseObject({
  plan: planId,
  status: z.enum(['running', 'done', 'failed', 'stopped']),
  branch: z.string(),
  chunk: z.number().int().positive(),
  attempt: z.number().int().positive(),
  spend: z.strictObject({ usd: z.number().nonnegative(), tokens: z.number().nonnegative() }),
  attempts: z.array(z.unknown()),
  runIds: z.array(z.string()),
});
const checkpoint = checkpointSchema.transform((s) => s as unknown as PlanState);

const who = { plan: planId, token: z.string().min(8).max(100), worker: z.string().min(1).max(200) };

export const stepMessageSchema = z.discriminatedUnion('kind', [
  /** A worker takes a plan job: is it still approved (this content), and where did it stop last? */
  z.strictObject({ kind: z.literal('start'), ...who, hash: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** Before an agent step: the checkpoint so far; may the step run? */
  z.strictObject({
    kind: z.literal('gate'),
    ...who,
    step: z.enum(['maker', 'checker', 'goal']),
    runId: z.string(),
    spent: spend,
    state: checkpoint,
  }),
  /** The run ended: its outcome, the run's spend, the final checkpoint, and the line stop it made, if any. */
  z.strictObject({
    kind: z.literal('end'),
    ...who,
    outcome: z.strictObject({
      status: z.enum(['done', 'failed', 'stopped', 'interrupted']),
      message: z.string(),
      runId: z.string(),
      incident: z.string().optional(),
    }),
    run: spend,
    state: checkpoint,
    stopped: z
      .strictObject({
        breaker: z.enum(BREAKERS),
        category: z.enum(CATEGORIES),
        reason: z.string(),
        incident: z.string(),
      })
      .optional(),
  }),
]);
export type StepMessage = z.infer<typeof stepMessageSchema>;
export type StartMessage = Extract<StepMessage, { kind: 'start' }>;
export type GateMessage = Extract<StepMessage, { kind: 'gate' }>;
export type EndMessage = Extract<StepMessage, { kind: 'end' }>;

export type StartAnswer =
  | { ok: true; checkpoint?: PlanState }
  | { ok: false; drain: string }
  | { ok: false; refuse: string };
