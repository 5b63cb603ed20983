import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTestOutput } from '../../src/andon/test-output.js';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, 'fixtures', 'test-output', name), 'utf8');

describe('parseTestOutput', () => {
  it('reads vitest (with colours)', () => {
    expect(parseTestOutput(fixture('vitest.txt'))).toEqual({
      total: 3,
      passed: 1,
      failed: 1,
      skipped: 1,
      failing: ['x.test.ts > suite > fails'],
    });
  });

  it('reads jest', () => {
    expect(parseTestOutput(fixture('jest.txt'))).toEqual({
      total: 8,
      passed: 5,
      failed: 2,
      skipped: 1,
      failing: ['src/sum.test.js > math › adds numbers', 'src/sum.test.js > math › handles negatives'],
    });
  });

  it('reads pytest, verbose and quiet', () => {
    const expected = {
      total: 4,
      passed: 1,
      failed: 2,
      skipped: 1,
      failing: ['test_a.py::test_bad', 'test_a.py::TestK::test_m'],
    };
    expect(parseTestOutput(fixture('pytest.txt'))).toEqual(expected);
    expect(parseTestOutput(fixture('pytest-q.txt'))).toEqual(expected);
    expect(parseTestOutput('===== 12 passed, 2 deselected in 0.30s =====')).toMatchObject({
      total: 12,
      failed: 0,
    });
    expect(parseTestOutput('============ no tests ran in 0.01s ============')).toMatchObject({ total: 0 });
  });

  it('reads node:test with the TAP and spec reporters', () => {
    const tap = parseTestOutput(fixture('node-tap.txt'));
    expect(tap).toMatchObject({ total: 3, passed: 1, failed: 1, skipped: 1 });
    expect(tap?.failing).toContain('fails here');
    const spec = parseTestOutput(fixture('node-spec.txt'));
    expect(spec).toMatchObject({ total: 3, passed: 1, failed: 1, skipped: 1 });
    expect(spec?.failing).toContain('fails here');
  });

  it('reads mocha', () => {
    expect(parseTestOutput(fixture('mocha.txt'))).toEqual({
      total: 3,
      passed: 1,
      failed: 1,
      skipped: 1,
      failing: ['Array > #indexOf() > should return the index'],
    });
  });

  it('reads go test, with a total only in verbose mode', () => {
    expect(parseTestOutput(fixture('go-v.txt'))).toEqual({
      total: 6,
      passed: 2,
      failed: 3,
      skipped: 1,
      failing: ['TestSub', 'TestTable/one', 'TestTable'],
    });
    expect(parseTestOutput(fixture('go.txt'))).toEqual({
      total: undefined,
      passed: undefined,
      failed: 1,
      skipped: undefined,
      failing: ['TestSub'],
    });
  });

  it('says nothing about output it does not recognise', () => {
    expect(parseTestOutput('')).toBeUndefined();
    expect(parseTestOutput('src/a.ts(3,1): error TS2304: Cannot find name "x".')).toBeUndefined();
    expect(parseTestOutput('Compiled successfully.\nok then')).toBeUndefined();
  });
});
