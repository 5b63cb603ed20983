import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { fakeAgentCommand, git, makeRepo, writeFiles } from './repo.js';

/**
 * A repository set up to run the line with scripted agents: jidoka.yaml with
 * `command` agents running the fake agent, a plan, all committed on main.
 * `script` is the fake agent's script: role → list of steps (see fake-agent.mjs).
 */
export interface LineSetup {
  script: Record<string, unknown[][]>;
  plan?: string;
  planId?: string;
  checks?: (string | { run: string; name?: string })[];
  limits?: Record<string, unknown>;
  extraConfig?: Record<string, unknown>;
  files?: Record<string, string>;
  roles?: string[];
}

export function twoChunkPlan(id = 'two-chunks', extra = ''): string {
  return `---
id: ${id}
title: Add two modules
status: proposed
risk: low
skill: tdd
scope:
  - src/**
  - tests/**
goal:
  statement: both modules exist and export their names
  checks:
    - node -e "require('./src/a.js'); require('./src/b.js')"
created: 2026-11-21
${extra}---
## Context

A small plan for tests.

## Chunk 1: Module a

Create src/a.js exporting "a".

## Chunk 2: Module b

Create src/b.js exporting "b".
`;
}

export function setupLine(setup: LineSetup): { root: string; scriptFile: string; planId: string } {
  const planId = setup.planId ?? 'two-chunks';
  const root = makeRepo({
    'README.md': '# demo\n',
    '.gitignore': '.jidoka/\nnode_modules/\n',
    ...(setup.files ?? {}),
  });
  // The script in a folder of its own, writable from the sandbox: the fake agent keeps its call counter there.
  const scriptDir = `${root}-agent`;
  mkdirSync(scriptDir);
  const scriptFile = join(scriptDir, 'script.json');
  writeFileSync(scriptFile, JSON.stringify(setup.script));
  const command = fakeAgentCommand(scriptFile);
  const roles = setup.roles ?? ['maker', 'checker', 'goal', 'diagnose', 'docs', 'auditor'];
  const sandbox = { writable: [scriptDir] };
  const config = {
    agents: Object.fromEntries(roles.map((r) => [r, { adapter: 'command', command, sandbox }])),
    checks: setup.checks ?? ['node -e "process.exit(0)"'],
    limits: { noProgress: '20s', agentTimeout: '60s', ...(setup.limits ?? {}) },
    ...(setup.extraConfig ?? {}),
  };
  writeFiles(root, {
    'jidoka.yaml': stringify(config),
    [`plans/${planId}.md`]: setup.plan ?? twoChunkPlan(planId),
  });
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'jidoka setup');
  return { root, scriptFile, planId };
}

export const write = (path: string, content: string) => ({ write: path, content });
export const approve = (...reasons: string[]) => ({ report: { decision: 'approve', reasons } });
export const reject = (...reasons: string[]) => ({ report: { decision: 'reject', reasons } });
export const met = (...evidence: string[]) => ({ report: { met: true, evidence } });

/** A plan of `chunks` chunks; chunk N writes src/<id>-N.js, the goal loads them all. */
export function modulePlan(id: string, chunks = 1): string {
  const files = Array.from({ length: chunks }, (_, i) => `src/${id}-${i + 1}.js`);
  return `---
id: ${id}
title: Plan ${id}
status: proposed
risk: low
skill: tdd
scope:
  - src/**
goal:
  statement: the modules of ${id} exist
  checks:
    - node -e "${files.map((f) => `require('./${f}')`).join('; ')}"
created: 2026-11-21
---
## Context

A plan whose chunks each write one module.

${files.map((f, i) => `## Chunk ${i + 1}: Module ${i + 1}\n\nCreate ${f}.\n`).join('\n')}`;
}
