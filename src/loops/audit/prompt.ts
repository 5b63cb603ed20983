import { buildRepoPrompt } from '../../agents/prompt.js';
import type { AdapterName, Config } from '../../config/schema.js';
import { listPlans } from '../../plans/store.js';
import { type AuditSignals, formatSignals } from './signals.js';

/** The auditor's task: turn the signals into at most N small, checkable plans. */
export function auditorPrompt(
  root: string,
  config: Config,
  signals: AuditSignals,
  tool: AdapterName,
): string {
  const existing = listPlans(root, config.limits.maxChunksPerPlan)
    .filter((p) => p.status !== 'rejected')
    .map((p) => `- ${p.id} (${p.status}): ${p.plan?.title ?? 'invalid'}`);
  const task = [
    '# Your task',
    '',
    `Write at most ${config.limits.maxPlansPerAudit} improvement plans for this repository, each as \`<id>.md\` in the directory \`$JIDOKA_PLANS_DIR\`. Prefer the highest-value work the signals below point at: failing checks first, then stale or missing documentation and risky churn.`,
    '',
    'Each plan file has YAML frontmatter and a body:',
    '',
    "- `id`: a short slug (letters, digits, `-`), the same as the file name; `title`; `status: proposed`; `risk: low | medium | high`; `skill` (e.g. `tdd`); `scope`: the repo-relative globs the maker may touch (as narrow as the work allows; never `**`); `goal`: `statement` plus `checks`, shell commands that exit 0 only when the goal is met; `created`: today's date.",
    `- The body: \`## Context\` (why, with the evidence), then \`## Chunk 1: title\` … at most ${config.limits.maxChunksPerPlan} chunks, each small enough for one reviewed commit.`,
    '',
    'Do not duplicate these existing plans:',
    '',
    existing.length ? existing.join('\n') : '(none)',
  ].join('\n');
  return buildRepoPrompt({
    root,
    role: 'auditor',
    title: 'audit this repository and propose plans',
    skill: 'improve-architecture',
    sections: [formatSignals(signals), task],
    tool,
  });
}
