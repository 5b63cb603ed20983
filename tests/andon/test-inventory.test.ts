import { describe, expect, it } from 'vitest';
import { guardTestIdentity, inventory } from '../../src/andon/test-inventory.js';

const JS = `import { expect, it, test, describe } from 'vitest';
describe('math', () => {
  it('adds', () => {
    expect(1 + 1).toBe(2);
    expect(2 + 2).toBe(4);
  });
  test.each([[1], [2]])('keeps %s', (n) => {
    expect(n).toBeGreaterThan(0);
  });
  it("adds", () => { expect(0).toBe(0); });
});
`;
const never = () => false;
const one = (base: string, now: string | undefined, path = 'tests/m.test.ts') =>
  guardTestIdentity([{ path, base, now, nowPath: path }], never);

describe('test inventory (pure)', () => {
  it('names each test with its assertions; repeated names are numbered', () => {
    expect(inventory('tests/m.test.ts', JS)).toEqual([
      { name: 'adds', line: 3, assertions: 2 },
      { name: 'keeps %s', line: 7, assertions: 1 },
      { name: 'adds#2', line: 10, assertions: 1 },
    ]);
    expect(
      inventory('tests/test_calc.py', 'def test_add():\n    assert 1 == 1\n\ndef helper():\n    pass\n'),
    ).toEqual([{ name: 'test_add', line: 1, assertions: 1 }]);
    expect(inventory('calc_test.go', 'func TestAdd(t *testing.T) {\n\tt.Errorf("x")\n}\n')).toEqual([
      { name: 'TestAdd', line: 1, assertions: 1 },
    ]);
  });

  it('a test deleted while another is added in its place is drift, whatever the net count', () => {
    const swapped = JS.replace("('keeps %s'", "('keeps %d'");
    const f = one(JS, swapped);
    expect(f).toMatchObject({ breaker: 'spec_drift', action: 'rollback', line: 'red' });
    expect(f?.message).toContain('test "keeps %s" in tests/m.test.ts is gone');
    // With a repeated name, renaming one copy still leaves one name short.
    expect(one(JS, JS.replace("it('adds', () => {", "it('adds better', () => {"))?.message).toContain('is gone');
  });

  it('a test left with fewer assertions is drift, even when assertions were added elsewhere', () => {
    const weaker = JS.replace('    expect(2 + 2).toBe(4);\n', '').replace(
      'expect(n).toBeGreaterThan(0);',
      'expect(n).toBeGreaterThan(0);\n    expect(n).toBeLessThan(9);',
    );
    expect(one(JS, weaker)?.message).toContain(
      'test "adds" in tests/m.test.ts has 1 assertion(s), 2 at the plan\'s base',
    );
  });

  it('a deleted file loses all its tests; a rename keeps them under the new path', () => {
    expect(one(JS, undefined)?.evidence.goneTests).toHaveLength(3);
    expect(
      guardTestIdentity(
        [{ path: 'tests/m.test.ts', base: JS, now: JS, nowPath: 'tests/math.test.ts' }],
        never,
      ),
    ).toBeUndefined();
  });

  it('well-behaved: tests added, assertions added, unchanged files, and files the scope names literally', () => {
    const more = `${JS}it('new', () => { expect(1).toBe(1); });\n`;
    expect(one(JS, more)).toBeUndefined();
    expect(
      one(JS, JS.replace('expect(0).toBe(0);', 'expect(0).toBe(0); expect(1).toBe(1);')),
    ).toBeUndefined();
    const exempt = (p: string) => p === 'tests/m.test.ts';
    expect(
      guardTestIdentity([{ path: 'tests/m.test.ts', base: JS, now: '', nowPath: 'tests/m.test.ts' }], exempt),
    ).toBeUndefined();
  });
});
