import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPlan } from '../../src/plans/validate.js';
import { makeRepo, runCli, writeFiles } from '../support/repo.js';

const GOOD = `---
id: add-greeting
title: Add a greeting
status: proposed
risk: low
skill: tdd
scope:
  - src/greet/**
  - tests/greet.test.js
goal:
  statement: greet() returns "hello"
  checks:
    - node -e "process.exit(0)"
created: 2026-11-21
---
## Context

We need a greeting.

## Chunk 1: Write the failing test

Add tests/greet.test.js.

\`\`\`md
## Chunk 9: not a chunk, inside a fence
\`\`\`

## Chunk 2: Implement greet

Make it pass.
`;

function variant(edit: (s: string) => string) {
  return checkPlan(edit(GOOD), 'plans/add-greeting.md', '/x/plans/add-greeting.md', 10);
}

describe('plan validation (pure)', () => {
  it('parses a good plan: frontmatter, context, chunks (fences ignored)', () => {
    const { plan, problems } = variant((s) => s);
    expect(problems).toEqual([]);
    expect(plan?.chunks.map((c) => [c.number, c.title, c.line])).toEqual([
      [1, 'Write the failing test', 20],
      [2, 'Implement greet', 28],
    ]);
    expect(plan?.chunks[0]?.body).toContain('## Chunk 9: not a chunk');
    expect(plan?.context).toBe('## Context\n\nWe need a greeting.');
    expect(plan?.goal.checks).toEqual(['node -e "process.exit(0)"']);
    expect(plan?.created).toBe('2026-11-21');
  });

  const bad: [string, (s: string) => string, string, number | undefined][] = [
    ['leading dash id', (s) => s.replace('id: add-greeting', 'id: -rf'), 'id', 2],
    ['id with ..', (s) => s.replace('id: add-greeting', 'id: a..b'), 'id', 2],
    ['id with a space', (s) => s.replace('id: add-greeting', 'id: "add greeting"'), 'id', 2],
    ['id not matching file', (s) => s.replace('id: add-greeting', 'id: other'), 'id', 2],
    ['unknown status', (s) => s.replace('status: proposed', 'status: maybe'), 'status', 4],
    ['unknown risk', (s) => s.replace('risk: low', 'risk: extreme'), 'risk', 5],
    ['absolute scope', (s) => s.replace('  - src/greet/**', '  - /etc/**'), 'scope[0]', 8],
    [
      'scope escaping the repo',
      (s) => s.replace('  - tests/greet.test.js', '  - src/../../x'),
      'scope[1]',
      9,
    ],
    [
      'empty scope',
      (s) => s.replace(/scope:\n {2}- src\/greet\/\*\*\n {2}- tests\/greet.test.js/, 'scope: []'),
      'scope',
      7,
    ],
    ['missing goal', (s) => s.replace(/goal:\n[\s\S]*?created/, 'created'), 'goal', 2],
    [
      'goal without statement',
      (s) => s.replace('  statement: greet() returns "hello"\n', ''),
      'goal.statement',
      10,
    ],
    ['no chunks', (s) => s.replace(/## Chunk[\s\S]*$/, ''), 'chunks', 16],
    ['chunks out of order', (s) => s.replace('## Chunk 2: Implement', '## Chunk 3: Implement'), 'chunks', 28],
    [
      'malformed chunk heading',
      (s) => s.replace('## Chunk 2: Implement greet', '## Chunk two'),
      'chunks',
      28,
    ],
    ['bad YAML', (s) => s.replace('risk: low', 'risk: [low'), 'frontmatter', undefined],
    ['no frontmatter', (s) => s.replace(/^---[\s\S]*?---\n/, ''), 'frontmatter', 1],
  ];
  for (const [name, edit, key, line] of bad) {
    it(`reports ${name} with key ${key}`, () => {
      const { plan, problems } = variant(edit);
      expect(plan).toBeUndefined();
      const p = problems.find((x) => x.key === key);
      expect(p, JSON.stringify(problems)).toBeDefined();
      if (line !== undefined) expect(p?.line).toBe(line);
      expect(p?.file).toBe('plans/add-greeting.md');
    });
  }

  it('refuses more chunks than limits.maxChunksPerPlan', () => {
    const many = Array.from({ length: 4 }, (_, i) => `## Chunk ${i + 1}: step ${i + 1}\n\nDo it.\n`).join(
      '\n',
    );
    const r = checkPlan(GOOD.replace(/## Chunk 1[\s\S]*$/, many), 'plans/add-greeting.md', '/x', 3);
    expect(r.problems.map((p) => p.message).join()).toMatch(
      /4 chunks is more than limits.maxChunksPerPlan \(3\)/,
    );
  });
});

describe('jidoka plan (CLI on a real repo)', () => {
  it('validate marks invalid plans, keeps them, and names file, line and key', () => {
    const bad = GOOD.replace('id: add-greeting', 'id: bad-scope').replace(
      '  - src/greet/**',
      '  - /etc/passwd',
    );
    const root = makeRepo({ 'plans/add-greeting.md': GOOD, 'plans/bad-scope.md': bad });
    const r = runCli(root, ['plan', 'validate']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✓ plans/add-greeting.md');
    expect(r.stdout).toContain('plans/bad-scope.md:8: scope[0]: "/etc/passwd" must be repo-relative');
    const after = readFileSync(join(root, 'plans/bad-scope.md'), 'utf8');
    expect(after).toContain('status: invalid');
    expect(after).toContain('## Validation problems (written by Jidoka)');
    expect(after.replace('status: invalid', 'status: proposed').startsWith(bad.trimEnd())).toBe(true);
    expect(readFileSync(join(root, 'plans/add-greeting.md'), 'utf8')).toBe(GOOD);
    // Validating again does not pile up sections.
    runCli(root, ['plan', 'validate']);
    expect(readFileSync(join(root, 'plans/bad-scope.md'), 'utf8')).toBe(after);
  });

  it('approve and reject change only the status line, byte for byte', () => {
    const root = makeRepo({ 'plans/add-greeting.md': GOOD });
    const a = runCli(root, ['plan', 'approve', 'add-greeting']);
    expect(a.code, a.stderr).toBe(0);
    expect(readFileSync(join(root, 'plans/add-greeting.md'), 'utf8')).toBe(
      GOOD.replace('status: proposed', 'status: approved'),
    );
    const j = runCli(root, ['plan', 'list', '--json']);
    expect(JSON.parse(j.stdout).plans[0]).toMatchObject({
      id: 'add-greeting',
      status: 'approved',
      valid: true,
      risk: 'low',
    });
    const r = runCli(root, ['plan', 'reject', 'add-greeting', '--reason', 'not now']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(root, 'plans/add-greeting.md'), 'utf8')).toBe(
      GOOD.replace('status: proposed', 'status: rejected'),
    );
  });

  it('refuses to approve an invalid plan, and names an unknown plan', () => {
    const root = makeRepo({ 'plans/add-greeting.md': GOOD.replace('risk: low', 'risk: huge') });
    const r = runCli(root, ['plan', 'approve', 'add-greeting']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/plans\/add-greeting.md:5: risk/);
    const u = runCli(root, ['plan', 'show', 'nope']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/no plan "nope".*\n.*known plans: add-greeting/);
  });

  it('keeps a plan whose frontmatter never closes, marking it invalid', () => {
    const root = makeRepo({});
    writeFiles(root, { 'plans/broken.md': '---\nid: broken\ntitle: x\n\n## Chunk 1: a\n\nb\n' });
    const r = runCli(root, ['plan', 'validate', 'broken']);
    expect(r.code).toBe(1);
    const after = readFileSync(join(root, 'plans/broken.md'), 'utf8');
    expect(after).toMatch(/^---\nstatus: invalid\n---\n---\nid: broken/);
  });

  it('a YAML alias bomb in a plan is an invalid plan with file and line, and the other plans still list', () => {
    const bomb = GOOD.replace('id: add-greeting', 'id: bomb').replace(
      'created: 2026-11-21',
      [
        'created: 2026-11-21',
        'x1: &a [l, l, l, l, l, l, l, l, l]',
        'x2: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'x3: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'x4: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
        'x5: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
        'x6: [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
      ].join('\n'),
    );
    const root = makeRepo({ 'plans/add-greeting.md': GOOD, 'plans/bomb.md': bomb });
    const list = runCli(root, ['plan', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('add-greeting');
    const r = runCli(root, ['plan', 'validate']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✓ plans/add-greeting.md');
    expect(r.stdout).toMatch(/plans\/bomb\.md:16: frontmatter: invalid YAML: .*alias/);
    expect(readFileSync(join(root, 'plans/bomb.md'), 'utf8')).toContain('status: invalid');
  });
});
