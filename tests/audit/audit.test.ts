import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isApprovedContent } from '../../src/plans/approval.js';
import { setupLine } from '../support/line.js';
import { git, runCli, writeFiles } from '../support/repo.js';

/** A plan as an auditor would write it. */
function auditPlan(
  id: string,
  opts: { status?: string; risk?: string; scope?: string[]; title?: string } = {},
): string {
  return `---
id: ${id}
title: ${opts.title ?? `Improve ${id}`}
status: ${opts.status ?? 'proposed'}
risk: ${opts.risk ?? 'low'}
skill: tdd
scope:
${(opts.scope ?? ['src/**']).map((g) => `  - ${g}`).join('\n')}
goal:
  statement: the ${id} work is done
  checks:
    - node -e "process.exit(0)"
created: 2026-11-21
---
## Context

The signals point at ${id}.

## Chunk 1: Do ${id}

Change src/${id}.js.
`;
}

/**
 * A repository whose auditor (the fake agent) copies `plans` into
 * $JIDOKA_PLANS_DIR, as a real auditor writes its proposals there.
 */
function auditLine(
  plans: Record<string, string>,
  extraConfig: Record<string, unknown> = {},
  alsoDo: Record<string, unknown>[] = [],
) {
  const proposals = mkdtempSync(join(tmpdir(), 'jidoka-proposals-'));
  writeFiles(proposals, plans);
  return setupLine({
    script: { auditor: [[{ sh: `cp "${proposals}"/*.md "$JIDOKA_PLANS_DIR/"` }, ...alsoDo]] },
    roles: ['maker', 'checker', 'goal', 'auditor'],
    extraConfig,
  });
}

function status(root: string, id: string): string | undefined {
  return /^status:\s*(\S+)/m.exec(readFileSync(join(root, 'plans', `${id}.md`), 'utf8'))?.[1];
}

function ledgerEvents(root: string, event: string): Record<string, unknown>[] {
  return readFileSync(join(root, '.jidoka/ledger.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((e) => e.event === event);
}

describe('jidoka audit', () => {
  it('--dry-run prints the signals (failing check, TODO marker, churn) and writes no plan', () => {
    const { root, scriptFile } = setupLine({
      script: {},
      checks: ['node -e "process.exit(0)"', 'node -e "console.log(\'lint: 2 problems\'); process.exit(3)"'],
      files: { 'src/parse.js': '// TODO: handle the empty input\nmodule.exports = 1;\n' },
    });
    for (let i = 2; i <= 3; i++) {
      writeFileSync(join(root, 'src/parse.js'), `// TODO: handle the empty input\nmodule.exports = ${i};\n`);
      git(root, 'commit', '-q', '-am', `parse v${i}`);
    }
    const before = readdirSync(join(root, 'plans'));
    const r = runCli(root, ['audit', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('`node -e "process.exit(0)"`: passes');
    expect(r.stdout).toMatch(/process\.exit\(3\)"`: FAILS \(exit 3\)[\s\S]*lint: 2 problems/);
    expect(r.stdout).toContain('### TODO/FIXME markers (1)');
    expect(r.stdout).toContain('- src/parse.js:1: // TODO: handle the empty input');
    expect(r.stdout).toMatch(/^- src\/parse\.js: 3 commits, \d+ lines$/m);
    expect(readdirSync(join(root, 'plans'))).toEqual(before);
    expect(existsSync(`${scriptFile}.calls.json`)).toBe(false);
    expect(existsSync(join(root, '.jidoka/ledger.jsonl'))).toBe(false);
  });

  it('lands at most 5 valid plans as proposed: approval claims dropped, invalid kept and marked, collisions renamed', () => {
    const { root } = auditLine({
      'bad.md': auditPlan('bad', { risk: 'wild' }),
      'claims-approved.md': auditPlan('claims-approved', { status: 'approved' }),
      'two-chunks.md': auditPlan('two-chunks', { title: 'The auditor took this id' }),
      'x-1.md': auditPlan('x-1'),
      'x-2.md': auditPlan('x-2'),
      'x-3.md': auditPlan('x-3'),
      'x-4.md': auditPlan('x-4'),
    });
    const existing = readFileSync(join(root, 'plans/two-chunks.md'), 'utf8');
    const r = runCli(root, ['audit']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('proposed: claims-approved, two-chunks-2, x-1, x-2, x-3');
    expect(r.stdout).toContain('invalid (kept, marked status: invalid): bad');
    expect(r.stdout).toContain('over limits.maxPlansPerAudit, kept only in the run record: x-4.md');

    expect(status(root, 'claims-approved')).toBe('proposed');
    expect(readFileSync(join(root, 'plans/two-chunks.md'), 'utf8')).toBe(existing);
    const renamed = readFileSync(join(root, 'plans/two-chunks-2.md'), 'utf8');
    expect(renamed).toMatch(/^id: two-chunks-2$/m);
    expect(renamed).toContain('title: The auditor took this id');
    expect(runCli(root, ['plan', 'validate', 'two-chunks-2']).code).toBe(0);
    expect(status(root, 'bad')).toBe('invalid');
    expect(readFileSync(join(root, 'plans/bad.md'), 'utf8')).toMatch(/`risk`/);
    for (const id of ['x-1', 'x-2', 'x-3']) expect(status(root, id)).toBe('proposed');
    expect(existsSync(join(root, 'plans/x-4.md'))).toBe(false);

    const [finished] = ledgerEvents(root, 'audit.finished');
    expect(finished).toMatchObject({
      proposed: ['claims-approved', 'two-chunks-2', 'x-1', 'x-2', 'x-3'],
      autoApproved: [],
      invalid: ['bad'],
      overLimit: ['x-4.md'],
    });
    // The over-limit plan is kept in the run record, with the signals the auditor saw.
    const runDir = join(root, finished!.runDir as string);
    expect(readFileSync(join(runDir, 'plans/x-4.md'), 'utf8')).toContain('id: x-4');
    expect(readFileSync(join(runDir, 'signals.md'), 'utf8')).toContain('## Signals');
  });

  it('approval.auto approves only a low-risk plan whose scope reaches no tests', () => {
    const { root } = auditLine(
      {
        'low-src.md': auditPlan('low-src'),
        'low-tests.md': auditPlan('low-tests', { scope: ['src/**', 'tests/**'] }),
        'medium.md': auditPlan('medium', { risk: 'medium' }),
      },
      { approval: { auto: true } },
    );
    const r = runCli(root, ['audit']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('auto-approved (approval.auto, low risk): low-src');
    expect(status(root, 'low-src')).toBe('approved');
    expect(status(root, 'low-tests')).toBe('proposed');
    expect(status(root, 'medium')).toBe('proposed');
    const approvals = JSON.parse(readFileSync(join(root, '.jidoka/state/approvals.json'), 'utf8'));
    expect(Object.keys(approvals)).toEqual(['low-src']);
    expect(approvals['low-src'].by).toMatch(/approval\.auto/);
    // The record matches the file, so the execution loop will run its goal checks.
    expect(isApprovedContent(root, 'low-src', join(root, 'plans/low-src.md'))).toBe(true);
    expect(ledgerEvents(root, 'audit.finished')[0]).toMatchObject({
      autoApproved: ['low-src'],
      proposed: ['low-tests', 'medium'],
    });
  });

  it('runs the auditor in a scratch checkout: its edits to the code are discarded and reported', () => {
    const { root } = auditLine({ 'tidy.md': auditPlan('tidy') }, {}, [
      { write: 'src/sneaky.js', content: 'module.exports = "not via a plan";\n' },
      { append: 'README.md', content: 'edited by the auditor\n' },
    ]);
    const r = runCli(root, ['audit']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('proposed: tidy');
    expect(r.stdout).toMatch(
      /the auditor changed 2 file\(s\) in its scratch checkout, discarded .*README\.md/,
    );
    expect(git(root, 'status', '--porcelain')).toBe('?? plans/tidy.md');
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toBe('# demo\n');
    expect(git(root, 'worktree', 'list').split('\n')).toHaveLength(1);
    expect(readdirSync(join(root, '.jidoka/tmp'))).toEqual([]);
    expect(ledgerEvents(root, 'audit.finished')[0]!.discarded).toEqual(['README.md', 'src/sneaky.js']);
  });

  it('never runs the auditor in the main checkout: without a scratch checkout the audit fails cleanly', () => {
    const sneaky = [{ write: 'src/sneaky.js', content: 'module.exports = "not via a plan";\n' }];
    // No commit on the branch checked out (an unborn branch): nothing to check out.
    const unborn = auditLine({ 'tidy.md': auditPlan('tidy') }, {}, sneaky);
    git(unborn.root, 'checkout', '-q', '--orphan', 'fresh');
    // The scratch checkout cannot be made: .jidoka/tmp is a file.
    const blocked = auditLine({ 'tidy.md': auditPlan('tidy') }, {}, sneaky);
    mkdirSync(join(blocked.root, '.jidoka'), { recursive: true });
    writeFileSync(join(blocked.root, '.jidoka', 'tmp'), 'not a folder\n');
    for (const [{ root }, why] of [
      [unborn, /the auditor did not run: the repository has no commit yet/],
      [blocked, /the auditor did not run: its scratch checkout \.jidoka\/tmp\/\S+ could not be made/],
    ] as const) {
      const r = runCli(root, ['audit']);
      expect(r.code, r.stderr + r.stdout).toBe(1);
      expect(r.stdout + r.stderr).toMatch(why);
      expect(existsSync(join(root, 'src', 'sneaky.js'))).toBe(false);
      expect(existsSync(join(root, 'plans', 'tidy.md'))).toBe(false);
    }
  });
});
