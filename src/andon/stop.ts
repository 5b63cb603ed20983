import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Config } from '../config/schema.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { log } from '../core/log.js';
import { jidokaPaths } from '../core/paths.js';
import { clipChars } from '../core/text.js';
import type { CheckResult, Finding } from '../core/types.js';
import { andonRef, preserveWork, resetWorktree } from '../git/preserve.js';
import { gitAt } from '../git/repo.js';
import { regenerateIndex } from '../wiki/index-file.js';
import { appendLogEntry } from '../wiki/log-file.js';
import { type AlertOutcome, sendAlerts } from './alerts.js';
import { failureFingerprint, fingerprintHash } from './fingerprint.js';
import { allocateIncident } from './incident/files.js';
import { incidentTitle, renderIncident } from './incident/page.js';
import { BREAKER_TITLES } from './incident/record.js';
import { raiseYellow, readLine, setStopped } from './line.js';
import { type DraftResult, draftWhys } from './replan.js';

/**
 * Pull the cord: the one way a breaker (or a human) stops the line. In
 * order: claim an incident id, preserve the worktree under
 * `refs/andon/<id>`, roll back only if that worked, write the A3 page, set
 * the line, then alert. Each step that can fail is recorded in the page's
 * Containment section instead of aborting the stop: a stop must always
 * happen, and nothing an agent wrote is reset without a ref that keeps it.
 */
export interface StopInput {
  root: string;
  config: Config;
  finding: Finding;
  severity: 'yellow' | 'red';
  plan?: string;
  chunk?: number;
  attempt?: number;
  /** The plan's worktree: its state is preserved under refs/andon/<id>. */
  worktree?: string;
  baseSha?: string;
  diffStat?: string;
  failingChecks?: CheckResult[];
  logExcerpt?: string;
  /** Preserve first, then reset --hard and clean the worktree to `toSha`. */
  rollback?: { worktree: string; toSha: string };
  /** Extra lines for the Containment section (e.g. "the maker's process group was killed"). */
  containment?: string[];
  /** Extra timeline lines, already timestamped by the caller. */
  timeline?: string[];
  /**
   * Let the diagnose agent (when configured) draft the Five Whys after the
   * line is stopped. Off by default: it runs an agent, which callers that
   * script agent calls (tests) must plan for.
   */
  draftWhys?: boolean;
}

export interface StopResult {
  incidentId: string;
  incidentFile: string;
  preservedRef?: string;
  preservedSha?: string;
  rolledBack: boolean;
  alerts: AlertOutcome[];
  /** The diagnose agent's draft of the whys, when it was asked for one (its step's spend goes in the run record). */
  whys?: DraftResult;
}

export async function stopLine(input: StopInput): Promise<StopResult> {
  const { root, config, finding, severity } = input;
  const openedAt = new Date();
  const { id, file } = allocateIncident(root, finding.breaker, openedAt);
  const stamp = () => new Date().toISOString();
  const containment: string[] = [];
  const timeline: string[] = [
    `${openedAt.toISOString()} opened: the ${finding.breaker} breaker tripped (${finding.category})`,
    ...(input.timeline ?? []),
  ];

  const worktree = input.rollback?.worktree ?? input.worktree;
  let headSha: string | undefined;
  let preservedSha: string | undefined;
  let preservedRef: string | undefined;
  let rolledBack = false;
  if (worktree) {
    headSha = await gitAt(worktree)
      .raw(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])
      .then(
        (s) => s.trim() || undefined,
        () => undefined,
      );
    try {
      preservedSha = await preserveWork(
        worktree,
        id,
        `andon ${id}: ${incidentTitle(finding)}\n\nPreserved by Jidoka before any rollback.\nPlan: ${input.plan ?? '-'}, chunk ${input.chunk ?? '-'}, attempt ${input.attempt ?? '-'}.`,
      );
      if (preservedSha) {
        preservedRef = andonRef(id);
        containment.push(
          `The work is preserved under \`${preservedRef}\` (commit \`${preservedSha}\`): inspect it with \`git show --stat ${preservedRef}\`, recover it with \`git switch -c rescue/${id} ${preservedRef}\`.`,
        );
        timeline.push(`${stamp()} work preserved under ${preservedRef}`);
      } else {
        containment.push(
          `The worktree \`${relative(root, worktree) || '.'}\` has no commit yet; there was nothing to preserve.`,
        );
      }
    } catch (err) {
      containment.push(
        `Preserving the work failed (${errorText(err)}); the worktree \`${relative(root, worktree)}\` was left untouched.`,
      );
    }
  }
  if (input.rollback) {
    if (preservedSha) {
      try {
        await resetWorktree(input.rollback.worktree, input.rollback.toSha);
        rolledBack = true;
        containment.push(`The worktree was rolled back to \`${input.rollback.toSha}\` (the chunk's start).`);
        timeline.push(`${stamp()} worktree rolled back to ${input.rollback.toSha.slice(0, 12)}`);
      } catch (err) {
        containment.push(
          `The rollback to \`${input.rollback.toSha}\` failed (${errorText(err)}); the worktree is as the agent left it.`,
        );
      }
    } else {
      containment.push('No rollback: the work could not be preserved first, so nothing was reset.');
    }
  }
  if (finding.breaker === 'secrets' && preservedRef)
    containment.push(
      `The preserved commit contains the suspected secret. It exists only in this clone (Jidoka never pushes \`refs/andon/*\`); rotate the secret, then drop the ref with \`git update-ref -d ${preservedRef}\`.`,
    );
  containment.push(...(input.containment ?? []));
  containment.push(
    severity === 'red'
      ? `The line was stopped (red): no execution starts, nothing merges, nothing is pushed and no PR opens until \`jidoka andon resolve ${id}\`.`
      : 'The line turned yellow: it clears itself when the next attempt is clean.',
  );
  timeline.push(`${stamp()} line ${severity === 'red' ? 'stopped' : 'yellow'}`);

  const fp = input.failingChecks?.length ? failureFingerprint(input.failingChecks) : undefined;
  const text = renderIncident({
    id,
    severity,
    status: severity === 'red' || rolledBack ? 'contained' : 'open',
    finding,
    ...(input.plan !== undefined ? { plan: input.plan } : {}),
    ...(input.chunk !== undefined ? { chunk: input.chunk } : {}),
    ...(input.attempt !== undefined ? { attempt: input.attempt } : {}),
    ...(input.baseSha ? { baseSha: input.baseSha } : {}),
    ...(headSha ? { headSha } : {}),
    ...(preservedRef ? { preservedRef } : {}),
    ...(preservedSha ? { preservedSha } : {}),
    openedAt: openedAt.toISOString(),
    ...(input.diffStat ? { diffStat: input.diffStat } : {}),
    ...(input.failingChecks ? { failingChecks: input.failingChecks } : {}),
    ...(input.logExcerpt ? { logExcerpt: input.logExcerpt } : {}),
    maxLogBytes: config.limits.maxLogExcerptBytes,
    ...(fp ? { fingerprint: fingerprintHash(fp) } : {}),
    containment,
    timeline,
  });
  writeFileAtomic(file, text);

  await logIncident(
    root,
    id,
    `${id} ${severity === 'red' ? 'stopped the line' : 'yellow'}: ${BREAKER_TITLES[finding.breaker]}`,
    [
      `[${id}](90_LOG/incidents/${id}.md): ${finding.category}, ${severity}${input.plan ? `, plan \`${input.plan}\`` : ''}`,
      ...(preservedRef ? [`work preserved under \`${preservedRef}\``] : []),
    ],
  );
  if (severity === 'red')
    setStopped(root, { incident: id, category: finding.category, reason: finding.message });
  else raiseYellow(root, finding.message, input.plan, id);
  log().warn(
    { incident: id, breaker: finding.breaker, category: finding.category, severity },
    `andon: ${finding.message}`,
  );

  const alerts = await sendAlerts(root, config, {
    event: 'stop',
    incident: id,
    severity,
    category: finding.category,
    message: finding.message,
    ...(input.plan ? { plan: input.plan } : {}),
    file: relative(root, file),
    line: readLine(root).state,
    ...(preservedRef ? { preservedRef } : {}),
  }).catch((err): AlertOutcome[] => [{ channel: 'webhook', ok: false, detail: errorText(err) }]);
  const failed = alerts.filter((a) => !a.ok);
  if (failed.length) {
    const lines = failed.map((a) => `- ${stamp()} alert via ${a.channel} failed: ${a.detail}`).join('\n');
    const current = readFileSync(file, 'utf8');
    writeFileAtomic(file, `${current.trimEnd()}\n${lines}\n`);
  }
  const whys =
    input.draftWhys && config.agents.diagnose && severity === 'red'
      ? await draftWhys({ root, config, incidentId: id, ...(worktree ? { cwd: worktree } : {}) }).catch(
          (err: unknown) => {
            log().warn({ incident: id, err: errorText(err) }, 'the diagnose agent could not draft the whys');
            return undefined;
          },
        )
      : undefined;
  return {
    ...(whys ? { whys } : {}),
    incidentId: id,
    incidentFile: file,
    ...(preservedRef ? { preservedRef } : {}),
    ...(preservedSha ? { preservedSha } : {}),
    rolledBack,
    alerts,
  };
}

/**
 * One entry in wiki/log.md per stop and per resolution, so every incident
 * page is linked from the log, and index.md regenerated so the catalogue
 * lists it (a wiki with an index, that is: a repo without one is left alone).
 */
export async function logIncident(root: string, id: string, title: string, lines: string[]): Promise<void> {
  try {
    appendLogEntry(root, { date: new Date().toISOString().slice(0, 10), kind: 'incident', title, lines });
    if (existsSync(join(jidokaPaths(root).wikiDir, 'index.md'))) await regenerateIndex(root);
  } catch (err) {
    log().warn(
      { incident: id, err: errorText(err) },
      'could not record the incident in wiki/log.md and wiki/index.md',
    );
  }
}

function errorText(err: unknown): string {
  return clipChars((err instanceof Error ? err.message : String(err)).split('\n')[0]!, 300);
}
