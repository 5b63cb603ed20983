import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  budget,
  consecutiveFailures,
  noProgress,
  repeatFailure,
  stepTimeout,
} from '../../src/andon/breakers.js';
import {
  guardFalseDone,
  guardGateTampering,
  guardScope,
  guardSecrets,
  guardSpecDrift,
} from '../../src/andon/guards.js';
import { integrityFinding } from '../../src/andon/integrity.js';
import { resolveIncident } from '../../src/andon/resolve.js';
import { recordManualRetry } from '../../src/andon/retries.js';
import { stopLine } from '../../src/andon/stop.js';
import { defaultConfig } from '../../src/config/schema.js';
import type { Finding } from '../../src/core/types.js';
import { lintWiki } from '../../src/wiki/lint.js';
import { addWorktree, type TempRepo, tempRepo } from '../git/fixture.js';
import { change, check, fillWhysText, limits } from './helpers.js';

/** One real finding per breaker, computed by the detectors themselves. */
function findings(root: string): Finding[] {
  const list: (Finding | undefined)[] = [
    guardScope(
      ['a', 'b', 'c', 'd', 'e'].map((n) => change(`lib/${n}.ts`)),
      ['src/**'],
      limits,
    ),
    guardSpecDrift({
      scope: ['src/**'],
      changes: [change('tests/a.test.ts', { added: ["it.skip('adds', () => {"] })],
      baseTestFiles: ['tests/a.test.ts'],
      checks: [],
    }),
    guardGateTampering(
      [change('.github/workflows/ci.yml', { added: ['run: npm test || true'] })],
      ['src/**'],
      ['npm test'],
    ),
    guardFalseDone([], [check()], 0),
    noProgress('maker', 601_000, 600_000),
    stepTimeout('maker', 1_900_000, 1_800_000),
    repeatFailure(
      [
        'checks: npm test\nerror: AssertionError: expected N to be N',
        'x',
        'checks: npm test\nerror: AssertionError: expected N to be N',
        'checks: npm test\nerror: AssertionError: expected N to be N',
      ],
      3,
    ),
    consecutiveFailures(3, 3, 'test_fail'),
    budget({ planUsd: 5.5, dayUsd: 6, planTokens: 0 }, limits),
    guardSecrets([change('src/config.ts', { added: ['-----BEGIN RSA PRIVATE KEY-----'] })], ['.env']),
    integrityFinding({
      before: { main: 'a'.repeat(40) },
      after: { main: 'b'.repeat(40) },
      headKeptHistory: true,
      mainKeptHistory: false,
      mainPointsIntoPlan: false,
      staleLocks: [],
      fsckErrors: [],
    }),
    recordManualRetry(root, 'p', 'fp', 0).finding,
  ];
  return list.map((f, i) => {
    if (!f) throw new Error(`finding ${i} did not trip`);
    return f;
  });
}

describe('incident pages of every category', () => {
  let repo: TempRepo;
  const files: string[] = [];
  beforeAll(async () => {
    repo = tempRepo({ 'src/a.ts': 'export const a = 1;\n' });
    cpSync(resolve(import.meta.dirname, '..', '..', 'templates', 'wiki'), join(repo.dir, 'wiki'), {
      recursive: true,
    });
    repo.commit('wiki');
    const wt = addWorktree(repo, 'p');
    writeFileSync(join(wt, 'src', 'a.ts'), 'export const a = 2;\n');
    const config = defaultConfig();
    for (const finding of findings(repo.dir)) {
      const r = await stopLine({
        root: repo.dir,
        config,
        finding,
        severity: 'red',
        plan: 'p',
        chunk: 1,
        attempt: 2,
        worktree: wt,
        baseSha: repo.git('rev-parse', 'HEAD').trim(),
        diffStat: ' src/a.ts | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)',
        failingChecks: [
          check({
            exitCode: 1,
            output: 'AssertionError: expected 1 to be 2',
            failing: ['tests/a.test.ts > adds'],
            total: 3,
          }),
        ],
        logExcerpt: 'FAIL tests/a.test.ts > adds\nAssertionError: expected 1 to be 2',
      });
      files.push(r.incidentFile);
    }
    // Resolve one, as a person would: whys written in the editor, then the command.
    const first = files[0]!;
    writeFileSync(first, fillWhysText(readFileSync(first, 'utf8')));
    const id = first.replace(/^.*\//, '').replace(/\.md$/, '');
    await resolveIncident({
      root: repo.dir,
      config,
      id,
      rootCause: 'The plan scope did not include lib/, where the helpers are.',
      countermeasure: 'Plans name every directory a change may touch.',
      level: 'L3',
    });
  });
  afterAll(() => repo?.cleanup());

  it('writes one page per category with the right category', () => {
    const categories = files.map((f) => /^category: (\S+)$/m.exec(readFileSync(f, 'utf8'))?.[1]);
    expect(new Set(categories)).toEqual(
      new Set([
        'scope_creep',
        'spec_drift',
        'gate_tampering',
        'false_done',
        'no_progress',
        'hang',
        'repeat_failure',
        'test_fail',
        'budget',
        'secret_leak',
        'repo_integrity',
      ]),
    );
  });

  it('every page (open and resolved) and its log entries pass the wiki linter', async () => {
    const report = await lintWiki({
      root: repo.dir,
      config: defaultConfig(),
      paths: ['wiki/90_LOG/incidents', 'wiki/log.md'],
      useCache: false,
      workers: 0,
    });
    expect(report.findings.map((f) => `${f.rule} ${f.file}:${f.line} ${f.message}`)).toEqual([]);
  });
});
