import type { Finding } from '../core/types.js';
import { finding } from './finding.js';
import { ASSERTION_PATTERNS } from './patterns.js';

/**
 * Test identity, not counts: the tests of a file by name, each with its
 * assertions, so that a test that is gone, renamed away or left with fewer
 * assertions than at the plan's base is spec drift even when the maker added
 * as many tests or assertions elsewhere (a net count would not see it).
 * Pure: the caller reads the file texts at the base and in the candidate.
 */

export interface TestEntry {
  /** The test's name as declared; a repeated name gets `#2`, `#3`… in order. */
  name: string;
  line: number;
  assertions: number;
}

/** Declarations that name a test, per language; group 2 (or 1) is the name. */
const DECLARATIONS: { file: RegExp; line: RegExp }[] = [
  {
    file: /\.(?:[cm]?[jt]sx?|vue|svelte)$/,
    line: /(?:^|[^\w.$])(?:it|test|specify)(?:\.(?:only|skip|todo|fails|concurrent|sequential|each\s*\([^)]*\)|each`[^`]*`))*\s*\(\s*(['"`])((?:\\.|(?!\1).)*)\1/,
  },
  { file: /\.py$/, line: /^\s*(?:async\s+)?def\s+(test\w*)\s*\(/ },
  { file: /\.go$/, line: /^\s*func\s+(Test\w*)\s*\(/ },
];

/** The tests declared in one file, and the assertions between each declaration and the next. */
export function inventory(path: string, text: string): TestEntry[] {
  const decl = DECLARATIONS.find((d) => d.file.test(path));
  if (!decl) return [];
  const asserts = ASSERTION_PATTERNS.filter((p) => !p.file || p.file.test(path));
  const entries: TestEntry[] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  for (const [i, l] of lines.entries()) {
    const m = decl.line.exec(l);
    if (m) {
      const raw = m[2] ?? m[1]!;
      const n = (seen.get(raw) ?? 0) + 1;
      seen.set(raw, n);
      entries.push({ name: n === 1 ? raw : `${raw}#${n}`, line: i + 1, assertions: 0 });
    }
    const current = entries[entries.length - 1];
    if (current) current.assertions += asserts.filter((p) => p.line.test(l)).length;
  }
  return entries;
}

export interface InventoryChange {
  /** The test file at the plan's base. */
  path: string;
  base: string;
  /** Its text in the candidate, at its new path after a rename; undefined when it is gone. */
  now: string | undefined;
  nowPath: string;
}

/**
 * Spec drift by identity: each test at base must still be there by name,
 * with at least as many assertions. Files the plan's scope names literally
 * are exempt (a human approved changing exactly them).
 */
export function guardTestIdentity(
  changes: InventoryChange[],
  exempt: (path: string) => boolean,
): Finding | undefined {
  const gone: { path: string; test: string }[] = [];
  const weakened: { path: string; test: string; before: number; after: number }[] = [];
  for (const c of changes) {
    if (exempt(c.path) || exempt(c.nowPath)) continue;
    const now = new Map((c.now === undefined ? [] : inventory(c.nowPath, c.now)).map((t) => [t.name, t]));
    for (const t of inventory(c.path, c.base)) {
      const after = now.get(t.name);
      if (!after) gone.push({ path: c.path, test: t.name });
      else if (after.assertions < t.assertions)
        weakened.push({ path: c.nowPath, test: t.name, before: t.assertions, after: after.assertions });
    }
  }
  if (!gone.length && !weakened.length) return undefined;
  const reasons = [
    ...gone.map((g) => `test "${g.test}" in ${g.path} is gone`),
    ...weakened.map(
      (w) => `test "${w.test}" in ${w.path} has ${w.after} assertion(s), ${w.before} at the plan's base`,
    ),
  ];
  return finding(
    'spec_drift',
    'spec_drift',
    `tests that held at the plan's base were removed or weakened: ${reasons.slice(0, 5).join('; ')}${reasons.length > 5 ? ` (+${reasons.length - 5} more)` : ''}`,
    { goneTests: gone, weakenedTests: weakened },
    { action: 'rollback' },
  );
}
