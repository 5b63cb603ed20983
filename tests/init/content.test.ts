import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { listTemplateFiles } from '../../src/init/scaffold.js';
import { templatesDir } from '../../src/init/templates-dir.js';
import { checkPlan } from '../../src/plans/validate.js';
import { PACKAGE_ROOT } from './helpers.js';

/**
 * The scaffold (templates/) and Jidoka's own working files (the repo root)
 * follow the same contracts: the verdict JSON the prompts teach is the JSON
 * Jidoka reads, the plan examples validate, and no placeholder text is left
 * for the wiki linter or the audit's marker scan to flag.
 */
const SETS = [
  { name: 'templates', dir: templatesDir() },
  { name: 'repo root', dir: PACKAGE_ROOT },
];
const TOOLS = ['claude', 'codex'];
const read = (dir: string, rel: string) => readFileSync(join(dir, rel), 'utf8');

/** Every JSON object on one line that starts with `{"<key>"`, as the prompts show them. */
function jsonExamples(text: string, key: string): unknown[] {
  return [...text.matchAll(new RegExp(`\\{"${key}".*\\}`, 'g'))].map((m) => JSON.parse(m[0]));
}

/** The plan in a markdown file checked as if saved under its own id in plans/. */
function validatePlan(text: string) {
  const id = /^id: (.+)$/m.exec(text)?.[1]?.trim() ?? 'missing';
  return checkPlan(text, `plans/${id}.md`, `/repo/plans/${id}.md`, 10);
}

describe.each(SETS)('$name', ({ dir }) => {
  const files = [
    'jidoka.yaml',
    ...['CONTEXT', 'GOALS', 'LOOPS', 'LANGUAGE'].map((f) => `agents/${f}.md`),
    ...TOOLS.flatMap((t) => ['maker', 'checker', 'goal-checker'].map((r) => `.agents/${t}/agents/${r}.md`)),
    ...['tdd', 'diagnose', 'improve-architecture', 'andon'].map((s) => `skills/${s}.md`),
    'plans/TEMPLATE.md',
  ];

  it('has every working file, with no placeholder words', () => {
    for (const rel of files) {
      const text = read(dir, rel);
      expect(text.length, rel).toBeGreaterThan(200);
      expect(text, rel).not.toMatch(/\b(TODO|TBD|FIXME|XXX|lorem ipsum)\b/i);
    }
  });

  it('keeps a Standards section in agents/CONTEXT.md for Kaizen', () => {
    const text = read(dir, 'agents/CONTEXT.md');
    expect(text).toMatch(/^## Standards$/m);
    expect(text.slice(text.indexOf('## Standards'))).toMatch(/Kaizen appends/);
  });

  it('defines the controlled vocabulary in agents/LANGUAGE.md', () => {
    const text = read(dir, 'agents/LANGUAGE.md');
    for (const word of [
      'Plan',
      'Chunk',
      'Attempt',
      'Step',
      'Role',
      'Verdict',
      'Incident',
      'Line',
      'Breaker',
      'Checks',
      'Scope',
      'Worktree',
      'Run',
      'Ledger',
      'Andon',
      'Kaizen',
      'Yellow',
      'Red',
    ])
      expect(text, word).toContain(`**${word}`);
  });

  it.each(TOOLS)('teaches the %s checker and goal-checker the exact verdict JSON', (tool) => {
    const checker = read(dir, `.agents/${tool}/agents/checker.md`);
    const decisions = jsonExamples(checker, 'decision');
    expect(decisions.length).toBeGreaterThan(0);
    for (const v of decisions as { decision: string; reasons: unknown }[]) {
      expect(['approve', 'reject']).toContain(v.decision);
      expect(Array.isArray(v.reasons)).toBe(true);
      expect(Object.keys(v).sort()).toEqual(['decision', 'reasons']);
    }
    expect(checker).toMatch(/JIDOKA_REPORT_FILE/);
    const goal = read(dir, `.agents/${tool}/agents/goal-checker.md`);
    const mets = jsonExamples(goal, 'met');
    expect(mets.length).toBeGreaterThan(0);
    for (const v of mets as { met: unknown; evidence: unknown }[]) {
      expect(typeof v.met).toBe('boolean');
      expect(Array.isArray(v.evidence)).toBe(true);
      expect(Object.keys(v).sort()).toEqual(['evidence', 'met']);
    }
    expect(goal).toMatch(/JIDOKA_REPORT_FILE/);
  });

  it('ships an example plan that validates, with Context and two chunks', () => {
    const text = read(dir, 'plans/TEMPLATE.md');
    const result = validatePlan(text);
    expect(result.problems).toEqual([]);
    expect(result.plan?.status).toBe('proposed');
    expect(result.plan?.chunks.map((c) => c.number)).toEqual([1, 2]);
    expect(result.plan?.context).toMatch(/^## Context$/m);
  });

  it('shows a plan format in skills/improve-architecture.md that validates', () => {
    const text = read(dir, 'skills/improve-architecture.md');
    const example = /```markdown\n([\s\S]*?)\n```/.exec(text)?.[1];
    expect(example).toBeDefined();
    expect(validatePlan(example!).problems).toEqual([]);
  });

  it('states the anti-spec-drift rules and the Andon procedure', () => {
    const tdd = read(dir, 'skills/tdd.md');
    for (const s of ['Red', 'Green', 'Refactor', '.skip', 'scope', 'for the right reason', 'tsconfig'])
      expect(tdd).toContain(s);
    const andon = read(dir, 'skills/andon.md');
    for (const s of [
      'L1 poka-yoke',
      'L2 auto-detect',
      'L3 standard',
      'L4 alert',
      'Hypothesis',
      'Verification',
      'Conclusion',
      'Meta-Andon',
    ])
      expect(andon).toContain(s);
  });
});

describe("Jidoka's own jidoka.yaml", () => {
  it('validates and runs build, lint and the tests as checks', () => {
    const config = parseConfig(read(PACKAGE_ROOT, 'jidoka.yaml'));
    expect(config.checks.map((c) => (typeof c === 'string' ? c : c.run))).toEqual([
      'npm run build',
      'npm run lint',
      'npx vitest run',
    ]);
    expect(config.agents.maker?.adapter).toBe('codex');
  });

  it('and the templates are what init copies: no stray files', () => {
    const files = listTemplateFiles(templatesDir()).filter((f) => !f.startsWith('wiki/'));
    expect(files).toHaveLength(16);
  });
});
