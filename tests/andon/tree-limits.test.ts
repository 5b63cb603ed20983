import { describe, expect, it } from 'vitest';
import { escapes, guardTreeLimits } from '../../src/andon/tree-limits.js';

const file = (path: string, size: number) => ({ path, mode: '100644', size });
const link = (path: string, target: string) => ({ path, mode: '120000', size: target.length, target });

describe('tree limits (pure)', () => {
  it('blocks a file over maxFileBytes and names it with its size', () => {
    const [f] = guardTreeLimits([file('src/a.js', 10), file('data/big.bin', 6_000_000)], 5_000_000);
    expect(f).toMatchObject({ breaker: 'file_limits', action: 'block', line: 'none' });
    expect(f?.message).toContain('data/big.bin (6000000 bytes)');
    expect(f?.message).not.toContain('src/a.js');
  });

  it('lets files at or under the limit through', () => {
    expect(guardTreeLimits([file('a', 5), file('b', 100)], 100)).toEqual([]);
  });

  it('blocks symlinks out of the repository, into .git or into Jidoka state', () => {
    for (const [path, target] of [
      ['tests/a.test.js', '../../etc/passwd'],
      ['a', '/etc/passwd'],
      ['src/x', '../../outside'],
      ['tests/h', '../.git/hooks/pre-commit'],
      ['s', '.jidoka/state/approvals.json'],
      ['deep/er/l', '../../..'],
    ] as const) {
      expect(escapes(path, target), `${path} -> ${target}`).toBe(true);
      expect(guardTreeLimits([link(path, target)], 100)[0]?.message).toContain(`${path} -> ${target}`);
    }
  });

  it('lets symlinks that stay inside the repository through', () => {
    for (const [path, target] of [
      ['docs/readme', '../README.md'],
      ['a/b/c', '../d'],
      ['x', 'src/.gitkeep'],
      ['l', '.github/workflows/ci.yml'],
    ] as const)
      expect(escapes(path, target), `${path} -> ${target}`).toBe(false);
  });
});
