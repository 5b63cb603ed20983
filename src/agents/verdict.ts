import { closeSync, constants, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { duplicateKey } from './json-keys.js';

/**
 * Verdicts are read ONLY from the report file the agent wrote, never from
 * its stdout, and only from a regular file (not a symlink, not a hard link to
 * another file) in the step directory, written during the step (after
 * Jidoka wrote the step's prompt.md next to it), at most 64 KiB, whose JSON
 * has exactly the documented shape: the verdict's keys and the optional
 * `usage` object (README, "command" adapter), each key once, each value of
 * its documented type and case. Anything else is `ok: false` with a reason
 * a person can act on: never an approval.
 */
export type CheckerVerdict =
  | { ok: true; decision: 'approve' | 'reject'; reasons: string[] }
  | { ok: false; error: string };
export type GoalVerdict = { ok: true; met: boolean; evidence: string[] } | { ok: false; error: string };

export const CHECKER_SHAPE = '{"decision": "approve" | "reject", "reasons": ["..."]}';
export const GOAL_SHAPE = '{"met": true | false, "evidence": ["..."]}';

export const MAX_REPORT_BYTES = 64 * 1024;
const USAGE_KEYS = ['costUsd', 'inputTokens', 'outputTokens'];

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
  const rest = restOfShape(value, ['decision', 'reasons']);
  if (rest) return bad(reportFile, rest, CHECKER_SHAPE);
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
  const rest = restOfShape(value, ['met', 'evidence']);
  if (rest) return bad(reportFile, rest, GOAL_SHAPE);
  const evidence = stringList(value.evidence ?? [], 'evidence');
  if (typeof evidence === 'string') return bad(reportFile, evidence, GOAL_SHAPE);
  return { ok: true, met: value.met, evidence };
}

function readReport(
  reportFile: string,
  shape: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  const file = readRegularFile(reportFile);
  if (typeof file === 'string') return bad(reportFile, file, shape);
  const { text } = file;
  if (!text.trim()) return bad(reportFile, 'the report file is empty', shape);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return bad(reportFile, `the report is not JSON (${(err as Error).message})`, shape);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return bad(reportFile, 'the report must be a JSON object', shape);
  // JSON.parse keeps the last of two equal keys silently: {"decision":"reject","decision":"approve"}.
  const dup = duplicateKey(text);
  if (dup) return bad(reportFile, `the key ${JSON.stringify(dup)} appears twice`, shape);
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * The report's text, or why it does not count. Opened without following a
 * symlink, then checked on the open descriptor, so nothing can be swapped in
 * between the check and the read.
 */
function readRegularFile(reportFile: string): { text: string } | string {
  let fd: number;
  try {
    fd = openSync(reportFile, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'the agent wrote no report file';
    if (code === 'ELOOP') return 'the report file is a symlink; only a regular file the agent wrote counts';
    return `the report file cannot be read (${code ?? (err as Error).message})`;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return 'the report is not a regular file';
    if (st.nlink > 1)
      return `the report file is a hard link (${st.nlink} names); only a file the agent wrote counts`;
    if (st.size > MAX_REPORT_BYTES)
      return `the report is ${st.size} bytes, over the ${MAX_REPORT_BYTES / 1024} KiB cap`;
    const started = stepStartedAt(reportFile);
    if (started !== undefined && st.ctimeMs < started)
      return 'the report file predates this step (it was not written during it)';
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    return { text: buf.subarray(0, got).toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

/** When the step began: Jidoka writes the step's prompt.md next to the report before it starts the agent. */
function stepStartedAt(reportFile: string): number | undefined {
  const prompt = join(dirname(reportFile), 'prompt.md');
  return existsSync(prompt) ? statSync(prompt).ctimeMs : undefined;
}

/** What is wrong with the keys beside the verdict's own: only `usage` may be there, as documented. */
function restOfShape(value: Record<string, unknown>, own: string[]): string | undefined {
  const extra = Object.keys(value).filter((k) => !own.includes(k) && k !== 'usage');
  if (extra.length)
    return `unexpected key${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')}: the report holds only ${own.map((k) => `"${k}"`).join(', ')} and an optional "usage"`;
  if (!('usage' in value)) return undefined;
  const u = value.usage;
  if (!u || typeof u !== 'object' || Array.isArray(u))
    return `"usage" must be an object like {"costUsd": 0.12, "inputTokens": 1200, "outputTokens": 300}`;
  for (const [k, v] of Object.entries(u)) {
    if (!USAGE_KEYS.includes(k))
      return `unexpected key "usage.${k}": usage holds only ${USAGE_KEYS.map((x) => `"${x}"`).join(', ')}`;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      return `"usage.${k}" must be a number >= 0, got ${JSON.stringify(v)}`;
  }
  return undefined;
}

function stringList(v: unknown, key: string): string[] | string {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return `"${key}" must be a list of strings`;
  return v as string[];
}

function bad(reportFile: string, why: string, shape: string): { ok: false; error: string } {
  return { ok: false, error: `${reportFile}: ${why}; expected ${shape}` };
}
