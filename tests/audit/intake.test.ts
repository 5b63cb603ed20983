import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { autoApprovable, protectedPaths } from '../../src/loops/audit/approval.js';
import { type AuditOutcome, intakePlans } from '../../src/loops/audit/audit.js';
import { makeRepo, writeFiles } from '../support/repo.js';

const none = protectedPaths([], []);

/** An audit's outcome before intake: nothing proposed yet, the plans staged in `runDir`. */
function emptyOutcome(runDir: string): AuditOutcome {
  return {
    runDir,
    signals: { checks: [], markers: [], markersTotal: 0, churn: [], wiki: [] },
    proposed: [],
    autoApproved: [],
    invalid: [],
    overLimit: [],
  };
}

describe('approval.auto policy', () => {
  it('approves a low-risk scope that reaches no test and no gate', () => {
    expect(autoApprovable('low', ['src/**'], none)).toBe(true);
    expect(autoApprovable('low', ['src/parse.js', 'docs'], none)).toBe(true);
    expect(autoApprovable('medium', ['src/**'], none)).toBe(false);
    expect(autoApprovable('high', ['src/**'], none)).toBe(false);
    expect(autoApprovable('low', [], none)).toBe(false);
  });

  it('judges what a glob reaches, not how it is spelled', () => {
    for (const scope of [
      ['**'],
      ['*'],
      ['{src,tests}/**'],
      ['t*/**'],
      ['*.json'],
      ['src/**', 'tests/**'],
      ['.github'],
    ])
      expect(autoApprovable('low', scope, none), scope.join(',')).toBe(false);
  });

  it('counts the test and gate files the repository tracks, and files the checks run', () => {
    const guarded = protectedPaths(
      ['src/a.js', 'src/a.test.js', 'lib/b.js', 'config/eslint.config.mjs', 'scripts/check.sh', 'tools/x.js'],
      ['./scripts/check.sh --strict'],
    );
    expect(autoApprovable('low', ['src/**'], guarded)).toBe(false); // reaches src/a.test.js
    expect(autoApprovable('low', ['src/a.js'], guarded)).toBe(true);
    expect(autoApprovable('low', ['config/**'], guarded)).toBe(false);
    expect(autoApprovable('low', ['scripts/**'], guarded)).toBe(false);
    expect(autoApprovable('low', ['lib/**', 'tools'], guarded)).toBe(true);
  });
});

describe('intakePlans', () => {
  it('keeps at most maxPlansPerAudit invalid plans too; the rest stay in staging', async () => {
    const root = makeRepo();
    const staging = mkdtempSync(join(tmpdir(), 'jidoka-staging-'));
    writeFiles(
      staging,
      Object.fromEntries(
        Array.from({ length: 7 }, (_, i) => [`junk-${i}.md`, `# not a plan ${i}\n\nno frontmatter at all\n`]),
      ),
    );
    const config = defaultConfig();
    const outcome = emptyOutcome(staging);
    await intakePlans(root, config, staging, outcome);
    expect(outcome.invalid).toEqual(['junk-0', 'junk-1', 'junk-2', 'junk-3', 'junk-4']);
    expect(outcome.overLimit).toEqual(['junk-5.md', 'junk-6.md']);
    expect(readdirSync(join(root, 'plans')).sort()).toEqual(outcome.invalid.map((id) => `${id}.md`));
    expect(readFileSync(join(root, 'plans/junk-0.md'), 'utf8')).toMatch(/^status: invalid$/m);
  });

  it('an alias bomb among the staged plans is kept as invalid; the good plan beside it is proposed', async () => {
    const root = makeRepo();
    const staging = mkdtempSync(join(tmpdir(), 'jidoka-staging-'));
    const plan = (id: string, extra = '') =>
      `---\nid: ${id}\ntitle: T\nstatus: proposed\nrisk: low\nskill: tdd\nscope:\n  - src/**\ngoal:\n  statement: s\n  checks: []\ncreated: 2026-11-21\n${extra}---\n## Context\n\nc\n\n## Chunk 1: one\n\nDo it.\n`;
    const levels = ['a: &a [l, l, l, l, l, l, l, l, l]'];
    for (let i = 1; i < 7; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    writeFiles(staging, { 'good.md': plan('good'), 'bomb.md': plan('bomb', `${levels.join('\n')}\n`) });
    const outcome = emptyOutcome(staging);
    await intakePlans(root, defaultConfig(), staging, outcome);
    expect(outcome.proposed).toEqual(['good']);
    expect(outcome.invalid).toEqual(['bomb']);
    expect(readFileSync(join(root, 'plans/bomb.md'), 'utf8')).toMatch(/^status: invalid$/m);
  });
});
