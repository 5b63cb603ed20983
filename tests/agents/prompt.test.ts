import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPrompt } from '../../src/agents/prompt.js';
import type { CheckResult } from '../../src/core/types.js';
import type { Plan } from '../../src/plans/types.js';

function repo(files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'jidoka-prompt-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

function plan(root: string): Plan {
  return {
    id: 'add-cache',
    title: 'Cache parsed plans',
    status: 'approved',
    risk: 'low',
    skill: 'tdd',
    scope: ['src/cache/**', 'tests/cache/**'],
    goal: { statement: 'Parsing a plan twice reads the file once.', checks: ['npm test -- cache'] },
    created: '2026-01-01',
    context: 'Plans are parsed on every tick; cache them by mtime.',
    chunks: [
      { number: 1, title: 'Cache by mtime', body: 'Add src/cache/plan-cache.ts with a test.', line: 20 },
      { number: 2, title: 'Use the cache', body: 'Use it in the loader.', line: 24 },
    ],
    file: join(root, 'plans/add-cache.md'),
    frontmatter: {},
  };
}

const FILES = {
  '.agents/claude/agents/maker.md':
    '---\nname: maker\ndescription: x\n---\n# Role: maker (from the repo)\n\nUSER-EDITED MAKER TEXT\n',
  '.agents/claude/agents/goal-checker.md': '# Role: goal-checker\n\nUSER GOAL TEXT\n',
  'skills/tdd.md': '# Skill: test-driven development\n\nRED GREEN REFACTOR\n',
  'agents/CONTEXT.md':
    '# Context\n\nCONTEXT BODY\n\n## Standards\n\n- L3: always run the linter before finishing\n',
  'agents/GOALS.md': '# Goals\n\nGOALS BODY\n',
  'agents/LANGUAGE.md': '# Language\n\nLANGUAGE BODY\n',
};

describe('buildPrompt', () => {
  it('assembles the maker prompt from the files the user edits, in order', () => {
    const root = repo(FILES);
    const p = buildPrompt({
      root,
      role: 'maker',
      plan: plan(root),
      chunk: plan(root).chunks[1],
      attempt: 1,
      tool: 'claude',
    });
    const order = [
      'you are the maker for plan `add-cache` (Cache parsed plans), chunk 2 of 2: Use the cache, attempt 1',
      'USER-EDITED MAKER TEXT',
      'RED GREEN REFACTOR',
      'CONTEXT BODY',
      '- L3: always run the linter before finishing',
      'GOALS BODY',
      'LANGUAGE BODY',
      'Plans are parsed on every tick',
      '# Chunk 2 of 2: Use the cache',
      'Use it in the loader.',
      '- `src/cache/**`',
      '$JIDOKA_REPORT_FILE',
    ];
    let at = -1;
    for (const s of order) {
      const i = p.indexOf(s);
      expect(i, s).toBeGreaterThan(at);
      at = i;
    }
    expect(p).not.toContain('description: x'); // role frontmatter stripped
    expect(p).not.toContain('Add src/cache/plan-cache.ts'); // only the chunk asked for
    expect(p).not.toContain('READ-ONLY');
  });

  it('falls back to the built-in role text and says how to replace it', () => {
    const root = repo();
    const p = buildPrompt({ root, role: 'checker', plan: plan(root), tool: 'codex' });
    expect(p).toContain('built-in default (create .agents/codex/agents/checker.md to replace it)');
    expect(p).toContain('# Role: checker');
    expect(p).toContain('(agents/CONTEXT.md does not exist in this repository.)');
  });

  it('maps the goal role to goal-checker.md and tells read-only roles not to edit', () => {
    const root = repo(FILES);
    const p = buildPrompt({
      root,
      role: 'goal',
      plan: plan(root),
      tool: 'claude',
      reportFile: '/runs/goal/report.json',
    });
    expect(p).toContain('USER GOAL TEXT');
    expect(p).toContain('READ-ONLY: you must not create, edit or delete any file');
    expect(p).toContain('1. Cache by mtime\n2. Use the cache');
    expect(p).toContain('`/runs/goal/report.json` (also in the environment as `$JIDOKA_REPORT_FILE`)');
    expect(p).toContain('{"met": true | false, "evidence": ["..."]}');
  });

  it('gives the checker the diff, the checks, and the report contract', () => {
    const root = repo(FILES);
    const checks: CheckResult[] = [
      {
        name: 'unit',
        command: 'npm test',
        exitCode: 1,
        signal: null,
        timedOut: false,
        durationMs: 1200,
        output: `${'noise\n'.repeat(2000)}FAIL tests/cache.test.ts > reads once`,
        tests: { passed: 3, failed: 1, failing: ['tests/cache.test.ts > reads once'] },
        passed: false,
      },
      {
        name: 'lint',
        command: 'npm run lint',
        exitCode: 0,
        signal: null,
        timedOut: false,
        durationMs: 300,
        output: 'SECRET-LOOKING LINT OUTPUT',
        tests: undefined,
        passed: true,
      },
    ];
    const p = buildPrompt({
      root,
      role: 'checker',
      plan: plan(root),
      chunk: plan(root).chunks[0],
      diff: 'diff --git a/x b/x\n+```js\n+added\n',
      checks,
      reportFile: '/r/report.json',
      tool: 'claude',
    });
    expect(p).toContain('````diff\ndiff --git a/x b/x\n+```js\n+added\n````'); // fence longer than any inside
    expect(p).toContain('## unit: FAILED (exit 1)');
    expect(p).toContain('FAIL tests/cache.test.ts > reads once');
    expect(p).toContain('tests: 3 passed, 1 failed: tests/cache.test.ts > reads once');
    expect(p).toContain('## lint: PASSED');
    expect(p).not.toContain('SECRET-LOOKING LINT OUTPUT'); // passing output is noise
    expect(p.length).toBeLessThan(12_000); // the failing output is bounded
    expect(p).toContain('{"decision": "approve" | "reject", "reasons": ["..."]}');
    expect(p).toContain('never from your messages');
  });

  it('says what the checker will get at run time when there is no diff yet', () => {
    const root = repo();
    const p = buildPrompt({ root, role: 'checker', plan: plan(root) });
    expect(p).toMatch(/# Diff\n\n\(Inserted at run time: the git diff of this attempt/);
    expect(p).toMatch(/# Checks Jidoka ran\n\n\(Inserted at run time/);
  });

  it("on a retry, carries the checker's reasons and the tail of the failing output, bounded", () => {
    const root = repo();
    const failingOutput = `${'early line\n'.repeat(5000)}LAST FAILURE LINE`;
    const p = buildPrompt({
      root,
      role: 'maker',
      plan: plan(root),
      attempt: 2,
      retry: {
        checkerReasons: ['src/cache.ts:3 never invalidates', 'no test for mtime change'],
        failingOutput,
      },
    });
    expect(p).toContain('attempt 2');
    expect(p).toContain('- src/cache.ts:3 never invalidates\n- no test for mtime change');
    expect(p).toContain('LAST FAILURE LINE');
    const section = p.slice(p.indexOf('## Failing check output'));
    expect(section.length).toBeLessThan(4 * 1024 + 600);
  });
});

describe('jidoka prompt', () => {
  const cli = resolve('dist/cli/main.js');
  function setupRepo(): string {
    const root = repo({
      ...FILES,
      'jidoka.yaml': 'agents:\n  maker: { adapter: claude, model: sonnet }\n',
      'plans/add-cache.md': `---
id: add-cache
title: Cache parsed plans
status: approved
risk: low
skill: tdd
scope:
  - src/cache/**
goal:
  statement: Parsing a plan twice reads the file once.
  checks:
    - npm test
created: 2026-01-01
---
# Context

Plans are parsed on every tick.

## Chunk 1: Cache by mtime

FIRST CHUNK BODY

## Chunk 2: Use the cache

SECOND CHUNK BODY
`,
    });
    execFileSync('git', ['init', '-q'], { cwd: root });
    return root;
  }

  it('prints the prompt for a role, plan and chunk', () => {
    const root = setupRepo();
    const r = spawnSync(process.execPath, [cli, '-C', root, 'prompt', 'maker', 'add-cache', '--chunk', '2'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('USER-EDITED MAKER TEXT');
    expect(r.stdout).toContain('SECOND CHUNK BODY');
    expect(r.stdout).not.toContain('FIRST CHUNK BODY');
  });

  it('refuses an unknown role or chunk with exit 2 and a hint', () => {
    const root = setupRepo();
    const bad = spawnSync(process.execPath, [cli, '-C', root, 'prompt', 'reviewer', 'add-cache'], {
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown role "reviewer"');
    const chunk = spawnSync(
      process.execPath,
      [cli, '-C', root, 'prompt', 'maker', 'add-cache', '--chunk', '9'],
      { encoding: 'utf8' },
    );
    expect(chunk.status).toBe(2);
    expect(chunk.stderr).toContain('has no chunk "9"');
  });
});
