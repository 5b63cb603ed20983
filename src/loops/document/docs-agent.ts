import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runAgent, spendOf } from '../../agents/run-agent.js';
import { agentTimeoutMs } from '../../config/agents.js';
import type { AgentConfig, Config } from '../../config/schema.js';
import { appendLedger } from '../../core/ledger.js';
import { jidokaPaths } from '../../core/paths.js';
import { changedFiles } from './git.js';
import { buildDocsPrompt } from './prompt.js';
import type { WikiSurvey } from './survey.js';

export interface DocsAgentStep {
  root: string;
  config: Config;
  agent: AgentConfig;
  /** The docs worktree the agent works in. */
  dir: string;
  wikiRel: string;
  head: string;
  date: string;
  survey: WikiSurvey;
  /** Aborts the agent (a daemon shutdown whose grace period ran out). */
  signal?: AbortSignal;
}

/** The agent's own account of its work; the lint, not this claim, decides what is committed. */
export interface DocsAgentReport {
  pages: string[];
  notes: string;
  costUsd: number | undefined;
  /** Files it changed outside the wiki folder: reported in the run log, never committed. */
  outsideWiki: string[];
}

export type DocsAgentOutcome =
  | { kind: 'finished'; report: DocsAgentReport }
  | { kind: 'failed'; failure: string; stepDir: string };

/**
 * The agentic step: the docs agent updates the stale pages and writes the
 * missing ones in the worktree. Its record (prompt, output, report) goes to
 * `.jidoka/runs/docs-sync-<stamp>/docs`, which a failure names.
 */
export async function runDocsAgent(step: DocsAgentStep): Promise<DocsAgentOutcome> {
  const { survey } = step;
  const prompt = buildDocsPrompt({
    root: step.dir,
    tool: step.agent.adapter,
    head: step.head,
    date: step.date,
    wikiRel: step.wikiRel,
    stale: survey.briefs,
    unknownVerified: survey.findings.unknownVerified,
    uncovered: survey.findings.uncovered,
  });
  const stepDir = join(jidokaPaths(step.root).runs, `docs-sync-${stamp()}`, 'docs');
  const run = await runAgent({
    role: 'docs',
    agent: step.agent,
    prompt,
    cwd: step.dir,
    stepDir,
    timeoutMs: agentTimeoutMs(step.config, step.agent),
    maxOutputBytes: step.config.limits.maxOutputBytes,
    signal: step.signal,
  });
  // The docs agent's spend, counted once here (`jidoka status`, the daily budget), whatever it came to.
  appendLedger(step.root, 'docs.agent', {
    stepDir: relative(step.root, stepDir),
    outcome: run.failure ? 'failed' : 'finished',
    ...spendOf(run),
  });
  if (run.failure) return { kind: 'failed', failure: run.failure, stepDir };
  const outsideWiki = (await changedFiles(step.dir)).filter((f) => !f.startsWith(`${step.wikiRel}/`));
  return {
    kind: 'finished',
    report: { ...readReport(run.reportFile), costUsd: run.parsed.costUsd, outsideWiki },
  };
}

function readReport(file: string): { pages: string[]; notes: string } {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as { pages?: unknown; notes?: unknown };
    return {
      pages: Array.isArray(v.pages) ? v.pages.filter((p): p is string => typeof p === 'string') : [],
      notes: typeof v.notes === 'string' ? v.notes : '',
    };
  } catch {
    // The docs report is informational: a missing or broken one is no failure.
    return { pages: [], notes: '' };
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}
