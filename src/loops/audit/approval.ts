import { filesNamedByChecks, isTestFile, scopeMatcher } from '../../andon/guards.js';
import { GATE_FILES } from '../../andon/patterns.js';

/**
 * The `approval.auto` policy: an auditor's plan is approved without a human
 * only when it is low risk and its scope reaches no test and no gate. "Reaches"
 * is decided by the scope fence's own matcher against real paths, not by
 * reading the glob text, so `*`, `**`, `{src,tests}/**` or `t*` cannot slip
 * through: a scope must miss every probe below and every test or gate file the
 * repository tracks.
 */

/** Where tests and gates live in most repositories, tracked yet or not. */
const PROBES = [
  'tests/a.test.ts',
  'test/a.test.js',
  'tests/a.py',
  'test/a.py',
  'spec/a_spec.rb',
  'specs/a.spec.ts',
  '__tests__/a.js',
  'e2e/a.spec.ts',
  'test_a.py',
  'a.test.ts',
  'a_test.go',
  'package.json',
  'jidoka.yaml',
  'tsconfig.json',
  'biome.json',
  'eslint.config.js',
  '.eslintrc.json',
  'vitest.config.ts',
  'jest.config.js',
  'pyproject.toml',
  'setup.cfg',
  'tox.ini',
  'Makefile',
  '.github/workflows/ci.yml',
  '.gitlab-ci.yml',
  '.husky/pre-commit',
];

const GATE_EXTRA =
  /(?:^|\/)(?:package\.json|pyproject\.toml|setup\.cfg|tox\.ini|(?:vitest|jest|playwright|cypress)\.config\.[cm]?[jt]s)$/;

/** The paths a scope must not reach: the probes, and the tracked files that are tests, gates or run by a check. */
export function protectedPaths(tracked: string[], checkCommands: string[]): string[] {
  const named = filesNamedByChecks(checkCommands).files;
  const hits = tracked.filter(
    (p) => isTestFile(p) || GATE_EXTRA.test(p) || named.has(p) || GATE_FILES.some((g) => g.file.test(p)),
  );
  return [...new Set([...PROBES, ...hits])];
}

export function autoApprovable(risk: string, scope: string[], guarded: string[]): boolean {
  if (risk !== 'low' || !scope.length) return false;
  const inScope = scopeMatcher(scope);
  return !guarded.some(inScope);
}
