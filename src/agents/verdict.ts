import { readFileSync } from 'node:fs';

/**
 * Verdicts are read ONLY from the report file the agent wrote, never from
 * its stdout. Anything but a well-formed verdict (missing file, empty, not
 * JSON, wrong shape, unknown decision) is `ok: false` with a reason a person
 * can act on: never an approval.
 */
export type CheckerVerdict =
  | { ok: true; decision: 'approve' | 'reject'; reasons: string[] }
  | { ok: false; error: string };
export type GoalVerdict = { ok: true; met: boolean; evidence: string[] } | { ok: false; error: string };

export const CHECKER_SHAPE = '{"decision": "approve" | "reject", "reasons": ["..."]}';
export const GOAL_SHAPE = '{"met": true | false, "evidence": ["..."]}';

export function readCheckerVerdict(reportFile: string): CheckerVerdict {
  const read = readReport(reportFile, CHECKER_SHAPE);
  if (!read.ok) return read;
  const { value } = read;
  if (value.decision !== 'approve' && value.decision !== 'reject')
    return bad(
      reportFile,
      `"decision" must be "approve" or "reject", got ${JSON.stringify(value.decision)}`,
      CHECKER_SHAPE,
    );
  const reasons = stringList(value.reasons ?? [], 'reasons');
  if (typeof reasons === 'string') return bad(reportFile, reasons, CHECKER_SHAPE);
  return { ok: true, decision: value.decision, reasons };
}

export function readGoalVerdict(reportFile: string): GoalVerdict {
  const read = readReport(reportFile, GOAL_SHAPE);
  if (!read.ok) return read;
  const { value } = read;
  if (typeof value.met !== 'boolean')
    return bad(reportFile, `"met" must be true or false, got ${JSON.stringify(value.met)}`, GOAL_SHAPE);
  const evidence = stringList(value.evidence ?? [], 'evidence');
  if (typeof evidence === 'string') return bad(reportFile, evidence, GOAL_SHAPE);
  return { ok: true, met: value.met, evidence };
}

function readReport(
  reportFile: string,
  shape: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  let text: string;
  try {
    text = readFileSync(reportFile, 'utf8');
  } catch {
    return bad(reportFile, 'the agent wrote no report file', shape);
  }
  if (!text.trim()) return bad(reportFile, 'the report file is empty', shape);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return bad(reportFile, `the report is not JSON (${(err as Error).message})`, shape);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return bad(reportFile, 'the report must be a JSON object', shape);
  return { ok: true, value: value as Record<string, unknown> };
}

function stringList(v: unknown, key: string): string[] | string {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return `"${key}" must be a list of strings`;
  return v as string[];
}

function bad(reportFile: string, why: string, shape: string): { ok: false; error: string } {
  return { ok: false, error: `${reportFile}: ${why}; expected ${shape}` };
}
