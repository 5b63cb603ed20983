import { describe, expect, it } from 'vitest';
import {
  budget,
  consecutiveFailures,
  noProgress,
  repeatFailure,
  stepTimeout,
} from '../../src/andon/breakers.js';
import { failureFingerprint, fingerprintHash, normaliseError } from '../../src/andon/fingerprint.js';
import { check, limits } from './helpers.js';

describe('failureFingerprint', () => {
  const failing = (output: string, failingIds: string[] = [], name = 'npm test') =>
    check({ name, exitCode: 1, output, failing: failingIds, total: 10 });

  it('is undefined when nothing failed', () => {
    expect(failureFingerprint([check()])).toBeUndefined();
    expect(failureFingerprint([])).toBeUndefined();
  });

  it('is the same for the same failure in different runs (paths, lines, durations, hex, numbers vary)', () => {
    const a = failureFingerprint([
      failing(
        'npm ERR! code ELIFECYCLE\n> vitest run\n FAIL /tmp/wt-1/tests/a.test.ts:12:5 AssertionError: expected 3 to be 4 (12ms) at 0x7ffd1234',
        ['tests/a.test.ts > adds (12ms)', 'tests/b.test.ts > subs'],
      ),
    ]);
    const b = failureFingerprint([
      failing(
        '\u001b[31m FAIL /home/x/wt-2/tests/a.test.ts:14:9 AssertionError: expected 7 to be 8 (340ms) at 0x7aaa9999\u001b[0m',
        ['tests/b.test.ts > subs', 'tests/a.test.ts > adds (8ms)'],
      ),
    ]);
    expect(a).toBeDefined();
    expect(a).toBe(b);
    expect(a).toContain('tests: tests/a.test.ts > adds | tests/b.test.ts > subs');
  });

  it('differs when a different test fails, a different check fails, or the error differs', () => {
    const base = failureFingerprint([failing('Error: boom', ['t > one'])]);
    expect(failureFingerprint([failing('Error: boom', ['t > two'])])).not.toBe(base);
    expect(failureFingerprint([failing('Error: boom', ['t > one'], 'npm run lint')])).not.toBe(base);
    expect(failureFingerprint([failing('TypeError: x is not a function', ['t > one'])])).not.toBe(base);
  });

  it('fingerprints agent failures too', () => {
    const a = failureFingerprint([], 'agent exited 1 after 12.5s: Error: rate limited (429) at 2026-01-01');
    expect(a).toBe(
      failureFingerprint([], 'agent exited 1 after 3s: Error: rate limited (429) at 2026-01-02'),
    );
    expect(fingerprintHash(a!)).toMatch(/^[0-9a-f]{12}$/);
  });

  it('normalises the volatile parts of an error line, keeping error codes', () => {
    expect(normaliseError('src/app/db.ts:41:7 - error TS2322: Type number is not assignable')).toBe(
      '<path> - error TS2322: Type number is not assignable',
    );
  });
});

describe('repeatFailure', () => {
  it('trips when the latest fingerprint has been seen `limit` times', () => {
    expect(repeatFailure(['a', 'b', 'a', 'a'], 3)).toMatchObject({
      breaker: 'repeat_failure',
      category: 'repeat_failure',
      line: 'red',
      evidence: { fingerprint: 'a', seen: 3 },
    });
  });
  it('does not trip on different failures or fewer repeats', () => {
    expect(repeatFailure(['a', 'b', 'c'], 3)).toBeUndefined();
    expect(repeatFailure(['a', 'a', 'b'], 3)).toBeUndefined();
    expect(repeatFailure([], 3)).toBeUndefined();
  });
});

describe('consecutiveFailures', () => {
  it('trips at the limit and carries the last category', () => {
    expect(consecutiveFailures(3, 3, 'test_fail')).toMatchObject({
      breaker: 'consecutive_failures',
      category: 'test_fail',
      line: 'red',
    });
    expect(consecutiveFailures(2, 3)).toBeUndefined();
  });
});

describe('budget', () => {
  it('trips on plan or daily cost at the limit', () => {
    expect(budget({ planUsd: 5, dayUsd: 5, planTokens: 0 }, limits)).toMatchObject({
      breaker: 'budget',
      line: 'red',
    });
    expect(budget({ planUsd: 1, dayUsd: 50.5, planTokens: 0 }, limits)?.message).toMatch(
      /today's spend \$50.50 of \$50/,
    );
    expect(budget({ planUsd: 4.99, dayUsd: 49, planTokens: 10_000_000 }, limits)).toBeUndefined();
  });
  it('counts tokens only when no cost is reported, and 0 disables a budget', () => {
    const l = { ...limits, budgetTokensPerPlan: 1000 };
    expect(budget({ planUsd: 0, dayUsd: 0, planTokens: 1000 }, l)?.message).toMatch(
      /plan tokens 1000 of 1000/,
    );
    expect(budget({ planUsd: 0.1, dayUsd: 0.1, planTokens: 5000 }, l)).toBeUndefined();
    expect(
      budget(
        { planUsd: 100, dayUsd: 100, planTokens: 0 },
        { ...limits, budgetUsdPerPlan: 0, budgetUsdPerDay: 0 },
      ),
    ).toBeUndefined();
  });
});

describe('no progress and step timeout findings', () => {
  it('name the role and the limits', () => {
    expect(noProgress('maker', 601_000, 600_000)).toMatchObject({ category: 'no_progress', line: 'red' });
    expect(stepTimeout('maker', 1_900_000, 1_800_000)).toMatchObject({
      breaker: 'timeout',
      category: 'hang',
    });
  });
});
