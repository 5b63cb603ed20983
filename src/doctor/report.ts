/**
 * The doctor's report: a list of checks, each ok, warn or fail, with a
 * message and a hint saying what to do. `--json` prints this shape as is; it
 * is a stable contract (documented in wiki/20_SYSTEM/init-and-doctor.md).
 */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  /** Stable id: git, repo, branch, config, agents, agent.<role>, agent-clis, sandbox, wiki, plans, state, gitignore, lock, worktrees. */
  id: string;
  status: CheckStatus;
  /** What was found, for people; may span lines. */
  message: string;
  /** What to do about it; present on warn and fail. */
  hint?: string;
  /** Machine-readable facts behind the message (versions, paths, problems). */
  details?: Record<string, unknown>;
}

export interface DoctorReport {
  /** False when any check failed; warnings keep it true. */
  ok: boolean;
  checks: DoctorCheck[];
}

export function makeReport(checks: DoctorCheck[]): DoctorReport {
  return { ok: !checks.some((c) => c.status === 'fail'), checks };
}

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗' };

/** One line per check (continuation lines indented under the message), hints after an arrow, a verdict last. */
export function formatReport(report: DoctorReport, where: string): string {
  const width = Math.max(...report.checks.map((c) => c.id.length));
  const pad = ' '.repeat(width + 3);
  const lines = [`jidoka doctor: ${where}`, ''];
  for (const c of report.checks) {
    const [first, ...rest] = c.message.split('\n');
    lines.push(`${MARK[c.status]} ${c.id.padEnd(width)} ${first}`);
    for (const more of rest) lines.push(`${pad}${more}`);
    if (c.hint && c.status !== 'ok') lines.push(`${pad}→ ${c.hint}`);
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const warned = report.checks.filter((c) => c.status === 'warn').length;
  const warnings = `${warned} warning${warned === 1 ? '' : 's'}`;
  lines.push(
    '',
    failed
      ? `${failed} check${failed === 1 ? '' : 's'} failed${warned ? `, ${warnings}` : ''}: fix the ✗ lines above.`
      : warned
        ? `Healthy, with ${warnings}.`
        : 'Healthy.',
  );
  return lines.join('\n');
}
