/**
 * The one table of what the diff guards look for, by language. To teach
 * Jidoka a new test framework, linter or CI system, add a row here; the
 * guards in guards.ts only read these tables.
 *
 * Paths are repo-relative with forward slashes. `file` regexes are matched
 * against the whole path; `line` regexes against one added or removed line.
 */

export interface LinePattern {
  /** Short name shown in incidents ("describe.skip", "@ts-ignore"). */
  name: string;
  line: RegExp;
  /** Which files the pattern applies to (all when omitted). */
  file?: RegExp;
}

const JS = /\.(?:[cm]?[jt]sx?|vue|svelte)$/;
const PY = /\.py$/;
const GO = /\.go$/;
const SHELLISH =
  /(?:\.(?:sh|bash|zsh|ya?ml|mk|toml)|(?:^|\/)(?:Makefile|makefile|GNUmakefile|Dockerfile|Justfile|justfile|package\.json)|(?:^|\/)\.husky\/.*)$/;

/** Test files, per language. */
export const TEST_FILE_PATTERNS: RegExp[] = [
  // JS/TS: foo.test.ts, foo.spec.jsx, __tests__/anything.js, tests/…/*.js
  /\.(?:test|spec|e2e|cy)\.(?:[cm]?[jt]sx?|vue|svelte)$/,
  /(?:^|\/)__tests__\/.+\.[cm]?[jt]sx?$/,
  /(?:^|\/)(?:test|tests|spec|specs|e2e)\/.+\.[cm]?[jt]sx?$/,
  // Python: test_*.py, *_test.py, tests/…/*.py, conftest.py (fixtures and collection hooks)
  /(?:^|\/)test_[^/]*\.py$/,
  /(?:^|\/)conftest\.py$/,
  /_test\.py$/,
  /(?:^|\/)tests?\/.+\.py$/,
  // Go
  /_test\.go$/,
  // Rust, Ruby, Java/Kotlin for good measure
  /(?:^|\/)tests\/.+\.rs$/,
  /_spec\.rb$|_test\.rb$/,
  /(?:^|\/)src\/test\/.+\.(?:java|kt)$/,
  /Tests?\.(?:java|kt|cs)$/,
];

/** Files that only test runners read; `tests/support` helpers are test files too but hold no tests. */
export function matchesTestFile(path: string): boolean {
  return TEST_FILE_PATTERNS.some((re) => re.test(path));
}

/**
 * Markers that skip, focus or defer tests. Adding one weakens the suite
 * (`.only` silently skips every other test).
 */
export const SKIP_PATTERNS: LinePattern[] = [
  // JS/TS: vitest, jest, mocha, jasmine, node:test, playwright, cypress
  {
    name: 'describe/it/test.skip',
    line: /\b(?:describe|context|suite|it|test|specify|bench)(?:\.concurrent)?\.skip(?:If)?\b/,
    file: JS,
  },
  {
    name: 'describe/it/test.only',
    line: /\b(?:describe|context|suite|it|test|specify)(?:\.concurrent)?\.only\b/,
    file: JS,
  },
  { name: 'it/test.todo', line: /\b(?:describe|it|test)\.todo\b/, file: JS },
  { name: 'xit/xdescribe/xtest', line: /(?:^|[^\w.$])x(?:it|describe|test|context|specify)\s*\(/, file: JS },
  { name: 'fit/fdescribe', line: /(?:^|[^\w.$])f(?:it|describe)\s*\(/, file: JS },
  { name: '{ skip: true } / { todo }', line: /\{\s*(?:skip|todo|only)\s*:\s*(?:true|['"`])/, file: JS },
  { name: 'this.skip()/t.skip()', line: /\b(?:this|t|ctx|context)\.skip\s*\(/, file: JS },
  // Python: pytest, unittest
  { name: '@pytest.mark.skip', line: /@pytest\.mark\.skip(?:if)?\b/, file: PY },
  { name: '@pytest.mark.xfail', line: /@pytest\.mark\.xfail\b/, file: PY },
  { name: 'pytest.skip()', line: /\bpytest\.(?:skip|xfail|importorskip)\s*\(/, file: PY },
  { name: '@unittest.skip', line: /@(?:unittest\.)?(?:skip|skipIf|skipUnless|expectedFailure)\b/, file: PY },
  { name: 'self.skipTest()', line: /\bself\.skipTest\s*\(/, file: PY },
  // Go
  { name: 't.Skip()', line: /\b[tb]\.Skip(?:f|Now)?\s*\(/, file: GO },
  // Rust
  { name: '#[ignore]', line: /#\[ignore\b/, file: /\.rs$/ },
];

/** Lines that assert something. Removing more than are added weakens an existing test. */
export const ASSERTION_PATTERNS: LinePattern[] = [
  { name: 'expect()', line: /\bexpect\s*\(|\bexpectTypeOf\s*\(|\bassertType\s*\(/, file: JS },
  {
    name: 'assert',
    line: /\bassert(?:\.\w+)?\s*\(|\.should\b|\bt\.(?:is|deepEqual|true|false|throws)\b/,
    file: JS,
  },
  { name: 'assert (py)', line: /^\s*assert\b|\bself\.assert\w+\s*\(|\bpytest\.raises\s*\(/, file: PY },
  {
    name: 't.Error/t.Fatal (go)',
    line: /\bt\.(?:Error|Errorf|Fatal|Fatalf|Fail|FailNow)\s*\(|\b(?:assert|require)\.\w+\s*\(/,
    file: GO,
  },
  { name: 'assert! (rust)', line: /\bassert(?:_eq|_ne)?!\s*\(/, file: /\.rs$/ },
];

/** Test declarations: removing them removes tests even when the file stays. */
export const TEST_DECLARATION_PATTERNS: LinePattern[] = [
  { name: 'it()/test()', line: /(?:^|[^\w.$])(?:it|test|specify)\s*\(\s*['"`]/, file: JS },
  { name: 'def test_', line: /^\s*(?:async\s+)?def\s+test\w*\s*\(/, file: PY },
  { name: 'func Test', line: /^\s*func\s+Test\w*\s*\(/, file: GO },
];

/** Snapshot files: rewriting an existing one changes the expected output. */
export const SNAPSHOT_FILE = /(?:^|\/)__snapshots__\/|\.snap$|\.ambr$|(?:^|\/)snapshots\/.+\.snap\.new$/;

/** Files that configure which tests run and how. */
export const TEST_CONFIG_FILES: RegExp[] = [
  /(?:^|\/)(?:vitest|vite|jest|playwright|cypress|karma|ava|wdio)\.config\.[cm]?[jt]s$/,
  /(?:^|\/)vitest\.workspace\.[cm]?[jt]s$|(?:^|\/)vitest\.(?:workspace|projects)\.json$/,
  /(?:^|\/)jest\.config\.json$|(?:^|\/)\.mocharc(?:\.[a-z]+)?$|(?:^|\/)\.c8rc(?:\.json)?$|(?:^|\/)\.nycrc(?:\.json)?$/,
  /(?:^|\/)pytest\.ini$|(?:^|\/)noxfile\.py$/,
];

/** Shared config files where only some lines configure tests; the lines decide. */
export const TEST_CONFIG_LINES: LinePattern[] = [
  {
    name: 'pytest settings',
    line: /\[tool\.pytest|\[pytest\]|\[tool:pytest\]|\baddopts\b|\btestpaths\b|\bpython_(?:files|functions|classes)\b|\bnorecursedirs\b/,
    file: /(?:^|\/)(?:pyproject\.toml|setup\.cfg|tox\.ini)$/,
  },
  {
    name: 'jest/mocha settings in package.json',
    line: /"(?:jest|mocha|ava|c8|nyc|vitest)"\s*:|"test(?:Match|PathIgnorePatterns|Regex|Timeout|Environment)"\s*:/,
    file: /(?:^|\/)package\.json$/,
  },
];

/** Gates: files whose edit changes what "passing" means. */
export const GATE_FILES: { kind: string; file: RegExp }[] = [
  { kind: 'CI config', file: /^\.github\/workflows\/|^\.github\/actions\// },
  { kind: 'CI config', file: /(?:^|\/)\.gitlab-ci\.ya?ml$|^\.circleci\/|^\.buildkite\/|^\.woodpecker/ },
  {
    kind: 'CI config',
    file: /^(?:azure-pipelines\.ya?ml|Jenkinsfile|\.travis\.ya?ml|bitbucket-pipelines\.ya?ml|\.drone\.ya?ml|appveyor\.ya?ml)$/,
  },
  {
    kind: 'lint config',
    file: /(?:^|\/)(?:\.eslintrc(?:\.[a-z]+)?|eslint\.config\.[cm]?[jt]s|\.eslintignore|biome\.jsonc?|\.prettierrc(?:\.[a-z]+)?|prettier\.config\.[cm]?[jt]s|\.prettierignore|\.stylelintrc(?:\.[a-z]+)?|\.markdownlint(?:-cli2)?\.(?:jsonc?|ya?ml|cjs|mjs)|\.markdownlintrc|\.remarkrc(?:\.[a-z]+)?)$/,
  },
  {
    kind: 'lint config',
    file: /(?:^|\/)(?:\.?ruff\.toml|\.flake8|\.pylintrc|pylintrc|mypy\.ini|\.mypy\.ini|\.golangci\.(?:ya?ml|toml|json)|\.rubocop\.yml|clippy\.toml|rustfmt\.toml)$/,
  },
  {
    kind: 'git hooks',
    file: /^\.husky\/|(?:^|\/)(?:\.pre-commit-config\.yaml|lefthook\.ya?ml|\.lintstagedrc(?:\.[a-z]+)?)$/,
  },
  { kind: 'tsconfig', file: /(?:^|\/)(?:tsconfig(?:\.[\w-]+)?\.json|jsconfig\.json)$/ },
  { kind: 'Jidoka config', file: /^jidoka\.ya?ml$/ },
  // How the checks' own tools behave: registries and scripts of npm, yarn, pnpm and bun, and the yarn
  // binary and loader themselves (a Plug'n'Play loader sees every require of the tests).
  {
    kind: 'package manager config',
    file: /(?:^|\/)(?:\.npmrc|\.yarnrc(?:\.ya?ml)?|\.pnpmfile\.cjs|pnpm-workspace\.yaml|\.?bunfig\.toml|\.pnp\.c?js|\.pnp\.loader\.mjs)$|(?:^|\/)\.yarn\/(?:plugins|releases)\//,
  },
  // Ignore rules and attributes decide which files a commit holds and how git diffs them: a new rule can
  // hide a file the checks use from the commit, or mark a test file binary so no guard reads its lines.
  { kind: 'git attributes and ignore rules', file: /(?:^|\/)\.git(?:ignore|attributes)$/ },
  // Transforms that rewrite the tests' source before they run.
  {
    kind: 'build transform config',
    file: /(?:^|\/)(?:\.babelrc(?:\.[a-z]+)?|babel\.config\.[cm]?[jt]s(?:on)?|\.swcrc)$/,
  },
];

/** Shared config files where only some lines are gates. */
export const GATE_LINES: (LinePattern & { kind: string })[] = [
  {
    kind: 'lint config',
    name: 'linter settings in pyproject.toml/setup.cfg',
    line: /\[tool\.(?:ruff|mypy|pylint|black|isort|flake8|pyright)|\[(?:flake8|mypy|pylint)[\]:.]/,
    file: /(?:^|\/)(?:pyproject\.toml|setup\.cfg|tox\.ini)$/,
  },
  {
    kind: 'lint config',
    name: 'eslint/prettier settings in package.json',
    line: /"(?:eslintConfig|prettier|lint-staged|husky|biome)"\s*:/,
    file: /(?:^|\/)package\.json$/,
  },
];

/** Gate-bypassing text added anywhere (net added, per file). */
export const BYPASS_PATTERNS: LinePattern[] = [
  { name: '--no-verify', line: /--no-verify\b/ },
  { name: '|| true', line: /\|\|\s*(?:true|:|exit 0)\b|\|\|\s*:\s*$/, file: SHELLISH },
  { name: 'set +e', line: /^\s*set \+e\b/, file: SHELLISH },
  { name: 'continue-on-error', line: /\bcontinue-on-error\s*:\s*true\b|\ballow_failure\s*:\s*true\b/ },
  { name: '@ts-ignore', line: /@ts-(?:ignore|nocheck)\b/, file: JS },
  { name: '@ts-expect-error', line: /@ts-expect-error\b/, file: JS },
  { name: 'eslint-disable', line: /eslint-disable(?:-next-line|-line)?\b/, file: JS },
  { name: 'biome-ignore', line: /biome-ignore\b/, file: JS },
  { name: '# type: ignore', line: /#\s*type:\s*ignore\b/, file: PY },
  { name: '# noqa', line: /#\s*noqa\b/i, file: PY },
  { name: 'pylint: disable', line: /pylint:\s*disable\b/, file: PY },
  { name: '//nolint', line: /\/\/\s*nolint\b/, file: GO },
  { name: '--passWithNoTests', line: /--passWithNoTests\b|--pass-with-no-tests\b/ },
];

/** Lock files hold hashes by design; the high-entropy rule skips them. */
export const LOCK_FILES =
  /(?:^|\/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|poetry\.lock|Pipfile\.lock|uv\.lock|Cargo\.lock|go\.sum|composer\.lock|Gemfile\.lock|flake\.lock)$/;

/** Count lines matching a pattern that applies to `path`. */
export function countMatches(p: LinePattern, path: string, lines: string[]): number {
  if (p.file && !p.file.test(path)) return 0;
  let n = 0;
  for (const l of lines) if (p.line.test(l)) n++;
  return n;
}
