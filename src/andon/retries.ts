import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic-write.js';
import { jidokaPaths } from '../core/paths.js';
import type { Finding } from '../core/types.js';
import { finding } from './finding.js';

/**
 * Human-involved retries. When a person re-runs a plan that failed, the loop
 * records it here with the failure's fingerprint. Retrying the same failure
 * more than `limits.humanRetries` times stops the line, and resuming then
 * needs a written hypothesis (`jidoka andon resolve --hypothesis`): the
 * third blind retry is a sign nobody is looking at the cause.
 */
interface RetryRecord {
  fingerprint: string;
  count: number;
  updatedAt: string;
}

type RetryState = Record<string, RetryRecord>;

function stateFile(root: string): string {
  return join(jidokaPaths(root).state, 'andon-retries.json');
}

function readState(root: string): RetryState {
  const file = stateFile(root);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RetryState;
  } catch {
    return {};
  }
}

/**
 * Record that a human re-ran `plan` after it failed with `fingerprint`.
 * Returns how many manual retries of this same failure there have been,
 * including this one, and a red finding once that exceeds `limit`.
 */
export function recordManualRetry(
  root: string,
  plan: string,
  fingerprint: string,
  limit: number,
): { count: number; finding?: Finding } {
  const state = readState(root);
  const prev = state[plan];
  const count = prev && prev.fingerprint === fingerprint ? prev.count + 1 : 1;
  state[plan] = { fingerprint, count, updatedAt: new Date().toISOString() };
  writeJsonAtomic(stateFile(root), state);
  if (count <= limit) return { count };
  return {
    count,
    finding: finding(
      'human_retries',
      'repeat_failure',
      `plan ${plan} was re-run by hand ${count - 1} times on the same failure (limit ${limit}); a written hypothesis is required before the next try`,
      { plan, fingerprint, manualRetries: count - 1, limit },
      { action: 'block' },
    ),
  };
}

/** Manual retries recorded for `plan` on its current failure (0 when none). */
export function manualRetries(root: string, plan: string): number {
  return readState(root)[plan]?.count ?? 0;
}

/** A written hypothesis was accepted: the plan gets its manual retries back. */
export function resetManualRetries(root: string, plan: string): void {
  const state = readState(root);
  if (!state[plan]) return;
  delete state[plan];
  writeJsonAtomic(stateFile(root), state);
}
