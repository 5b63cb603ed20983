import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { guardScope } from '../../src/andon/guards.js';
import { readIncident } from '../../src/andon/incident/files.js';
import { filledWhys } from '../../src/andon/incident/whys.js';
import { draftWhys, replan } from '../../src/andon/replan.js';
import { stopLine } from '../../src/andon/stop.js';
import { parseConfig } from '../../src/config/load.js';
import { defaultConfig } from '../../src/config/schema.js';
import { parseFrontmatter } from '../../src/core/frontmatter.js';
import { loadPlan } from '../../src/plans/store.js';
import { type TempRepo, tempRepo } from '../git/fixture.js';
import { change, limits } from './helpers.js';

const FAKE = resolve(import.meta.dirname, '..', 'support', 'fake-agent.mjs');

const PLAN = `---
id: add-login
title: Add a login form
status: failed
risk: low
skill: tdd
scope:
  - src/**
goal:
  statement: Users can log in.
  checks:
    - npm test
created: 2026-01-01
---
## Context

Login.

## Chunk 1: Form

Build the form.
`;

const REVISED = `---
id: whatever-the-agent-chose
title: Add a login form, smaller steps
status: approved
risk: low
skill: tdd
scope:
  - src/auth/**
goal:
  statement: Users can log in.
  checks:
    - npm test
created: 2026-01-02
---
## Context

The first plan mixed the form and the session store; this one splits them.

## Chunk 1: Session store

Store sessions.

## Chunk 2: Form

Build the form on top of the store.
`;

function setup(script: unknown): { repo: TempRepo; config: ReturnType<typeof parseConfig> } {
  const repo = tempRepo({ 'plans/add-login.md': PLAN, 'skills/tdd.md': '# TDD\n' });
  // In a folder of its own, writable from the sandbox: the fake agent keeps its call counter there.
  const scriptDir = join(repo.dir, '.jidoka', 'fake-agent');
  const scriptFile = join(scriptDir, 'script.json');
  mkdirSync(scriptDir, { recursive: true });
  writeFileSync(scriptFile, JSON.stringify(script));
  const config = parseConfig(
    `agents:\n  diagnose:\n    adapter: command\n    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(FAKE)}, --script, ${JSON.stringify(scriptFile)}]\n    sandbox: { writable: [${JSON.stringify(scriptDir)}] }\n    timeout: 20s\n`,
  );
  return { repo, config };
}

async function stop(repo: TempRepo) {
  const finding = guardScope([change('lib/x.ts')], ['src/**'], limits)!;
  return stopLine({
    root: repo.dir,
    config: defaultConfig(),
    finding: { ...finding, line: 'red' },
    severity: 'red',
    plan: 'add-login',
  });
}

describe('replan (Meta-Andon)', () => {
  let repo: TempRepo | undefined;
  afterEach(() => repo?.cleanup());

  it('files the diagnose agent’s revised plan as proposed, linked to the plan and the incident', async () => {
    const s = setup({
      diagnose: [
        [
          {
            sh: `mkdir -p "$JIDOKA_PLANS_DIR" && cat > "$JIDOKA_PLANS_DIR/revised.md" <<'EOF'\n${REVISED}EOF`,
          },
        ],
      ],
    });
    repo = s.repo;
    const r = await stop(repo);
    const plan = loadPlan(repo.dir, 'add-login');
    const out = await replan({ root: repo.dir, config: s.config, plan, incidentId: r.incidentId });
    expect(out).toMatchObject({ planId: 'add-login-r2', problems: [] });
    const fm = parseFrontmatter(readFileSync(join(repo.dir, 'plans', 'add-login-r2.md'), 'utf8')).data;
    expect(fm).toMatchObject({
      id: 'add-login-r2',
      status: 'proposed',
      supersedes: 'add-login',
      incident: r.incidentId,
    });
    expect(loadPlan(repo.dir, 'add-login-r2').chunks).toHaveLength(2);
    expect(readFileSync(r.incidentFile, 'utf8')).toMatch(
      /Meta-Andon: revised plan \[add-login-r2\]\(\.\.\/\.\.\/\.\.\/plans\/add-login-r2\.md\) proposed/,
    );
    // The original plan file is untouched.
    expect(readFileSync(join(repo.dir, 'plans', 'add-login.md'), 'utf8')).toBe(PLAN);
  });

  it('keeps a malformed revision as invalid, and says so when the agent writes nothing', async () => {
    const s = setup({
      diagnose: [
        [
          {
            sh: 'mkdir -p "$JIDOKA_PLANS_DIR" && printf "no frontmatter here\\n" > "$JIDOKA_PLANS_DIR/bad.md"',
          },
        ],
        [{ stdout: 'I think the plan is fine.' }],
      ],
    });
    repo = s.repo;
    const r = await stop(repo);
    const plan = loadPlan(repo.dir, 'add-login');
    const bad = await replan({ root: repo.dir, config: s.config, plan, incidentId: r.incidentId });
    expect(bad.planId).toBe('add-login-r2');
    expect(bad.problems.length).toBeGreaterThan(0);
    expect(parseFrontmatter(readFileSync(bad.file!, 'utf8')).data.status).toBe('invalid');
    const none = await replan({ root: repo.dir, config: s.config, plan, incidentId: r.incidentId });
    expect(none).toMatchObject({
      agentFailure: 'the diagnose agent wrote no plan file into JIDOKA_PLANS_DIR',
    });
    expect(existsSync(join(repo.dir, 'plans', 'add-login-r3.md'))).toBe(false);
  });

  it('without a diagnose agent, records that a human must re-plan', async () => {
    repo = tempRepo({ 'plans/add-login.md': PLAN, 'skills/tdd.md': '# TDD\n' });
    const r = await stop(repo);
    const out = await replan({
      root: repo.dir,
      config: defaultConfig(),
      plan: loadPlan(repo.dir, 'add-login'),
      incidentId: r.incidentId,
    });
    expect(out.skipped).toMatch(/no diagnose agent/);
    expect(readFileSync(r.incidentFile, 'utf8')).toMatch(/Meta-Andon: no diagnose agent is configured/);
  });
});

describe('draftWhys', () => {
  let repo: TempRepo | undefined;
  afterEach(() => repo?.cleanup());
  const why = (n: number) => ({
    hypothesis: `Level ${n}: the scope glob did not cover lib/`,
    verification: `Level ${n}: compared the plan scope with git diff --stat`,
    conclusion: `Level ${n}: confirmed, the helper lives in lib/`,
  });

  it('writes three drafted levels into the page and marks it analyzed', async () => {
    const s = setup({ diagnose: [[{ report: { whys: [why(1), why(2), why(3)] } }]] });
    repo = s.repo;
    const r = await stop(repo);
    const out = await draftWhys({ root: repo.dir, config: s.config, incidentId: r.incidentId });
    expect(out.drafted).toBe(true);
    const incident = readIncident(repo.dir, r.incidentId);
    expect(incident.status).toBe('analyzed');
    expect(filledWhys(incident.body).map((w) => w.hypothesis)).toEqual(
      [why(1), why(2), why(3)].map((w) => w.hypothesis),
    );
    expect(incident.body).toContain('Drafted by the diagnose agent (command)');
  });

  it('runs from stopLine when asked, after the line is already stopped', async () => {
    const s = setup({ diagnose: [[{ report: { whys: [why(1), why(2), why(3)] } }]] });
    repo = s.repo;
    const finding = guardScope([change('lib/x.ts')], ['src/**'], limits)!;
    const r = await stopLine({ root: repo.dir, config: s.config, finding, severity: 'red', draftWhys: true });
    expect(readIncident(repo.dir, r.incidentId).status).toBe('analyzed');
    expect(filledWhys(readIncident(repo.dir, r.incidentId).body)).toHaveLength(3);
  });

  it('leaves the whys for a human when the draft is thin or missing', async () => {
    const s = setup({
      diagnose: [
        [{ report: { whys: [why(1), { hypothesis: 'TODO', verification: '', conclusion: '' }] } }],
        [{ exit: 3 }],
      ],
    });
    repo = s.repo;
    const r = await stop(repo);
    const thin = await draftWhys({ root: repo.dir, config: s.config, incidentId: r.incidentId });
    expect(thin).toMatchObject({ drafted: false, reason: 'the report had 1 complete why, 3 are needed' });
    const failed = await draftWhys({ root: repo.dir, config: s.config, incidentId: r.incidentId });
    expect(failed.drafted).toBe(false);
    expect(failed.reason).toMatch(/exit/);
    const incident = readIncident(repo.dir, r.incidentId);
    expect(incident.status).toBe('contained');
    expect(filledWhys(incident.body)).toEqual([]);
    expect(incident.text).toMatch(/the diagnose agent did not draft the whys .* they are left for a human/);
  });
});
