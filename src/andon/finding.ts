import type { BreakerId, Category, Finding } from '../core/types.js';

/**
 * A breaker's finding, the one way to make one. Most findings are computed
 * from facts Jidoka measured itself (diffs, exit codes, timings), so the
 * defaults are confidence 1, a failed attempt and a red line; a detector
 * that blocks, rolls back or only warns says so in `opts`.
 */
export function finding(
  breaker: BreakerId,
  category: Category,
  message: string,
  evidence: Record<string, unknown> = {},
  opts: { action?: Finding['action']; line?: Finding['line']; confidence?: number } = {},
): Finding {
  return {
    breaker,
    category,
    confidence: opts.confidence ?? 1,
    action: opts.action ?? 'fail_attempt',
    line: opts.line ?? 'red',
    message,
    evidence,
  };
}
