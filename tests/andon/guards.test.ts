import { describe, expect, it } from 'vitest';
import {
  filesNamedByChecks,
  type GuardInput,
  guardFalseDone,
  guardGateTampering,
  guardScope,
  guardSecrets,
  guardSpecDrift,
  isTestFile,
  runGuards,
} from '../../src/andon/guards.js';
import { change, check, limits } from './helpers.js';

const base = (over: Partial<GuardInput> = {}): GuardInput => ({
  scope: ['src/**', 'tests/**'],
  changes: [change('src/a.ts', { added: ['export const a = 2;'], removed: ['export const a = 1;'] })],
  baseTestFiles: ['tests/a.test.ts', 'tests/test_mod.py', 'pkg/x_test.go'],
  checkCommands: ['npm test'],
  checks: [check({ total: 10 })],
  previousTestTotal: 10,
  ignoredForceAdded: [],
  makerExitCode: 0,
  limits,
  ...over,
});

describe('isTestFile', () => {
  it.each([
    'src/a.test.ts',
    'src/b.spec.jsx',
    'src/__tests__/c.js',
    'tests/support/helper.mjs',
    'test_mod.py',
    'pkg/mod_test.py',
    'tests/unit/helpers.py',
    'conftest.py',
    'pkg/x_test.go',
  ])('%s is a test file', (p) => expect(isTestFile(p)).toBe(true));
  it.each(['src/a.ts', 'src/testing.ts', 'src/contest.py', 'main.go', 'docs/test.md', 'src/latest.js'])(
    '%s is not a test file',
    (p) => expect(isTestFile(p)).toBe(false),
  );
});

describe('a well-behaved attempt', () => {
  it('trips nothing', () => {
    expect(runGuards(base())).toEqual([]);
  });

  it('may add tests, assertions and snapshots, and refactor a test without weakening it', () => {
    const changes = [
      change('tests/a.test.ts', {
        added: [
          "  it('handles zero', () => {",
          '    expect(add(0, 0)).toBe(0);',
          '    expect(add(1, 2)).toBe(4);',
        ],
        removed: ['    expect(add(1, 2)).toBe(3);'],
      }),
      change('tests/new.test.ts', { status: 'added', added: ["it('x', () => expect(1).toBe(1));"] }),
      change('tests/__snapshots__/new.test.ts.snap', { status: 'added', added: ['exports[`x`] = `1`;'] }),
      change('tests/b.test.ts', { oldPath: 'tests/a2.test.ts' }),
      change('tests/test_mod.py', { added: ['    assert f(2) == 4'], removed: [] }),
    ];
    expect(runGuards(base({ changes, checks: [check({ total: 12 })] }))).toEqual([]);
  });
});

describe('scope fence', () => {
  it('blocks (yellow) one file outside the scope', () => {
    const f = guardScope([change('src/a.ts'), change('README.md')], ['src/**'], limits);
    expect(f).toMatchObject({ breaker: 'scope', category: 'scope_creep', action: 'block', line: 'yellow' });
    expect(f?.evidence.files).toEqual(['README.md']);
  });

  it('counts renames on either side and deletions', () => {
    const changes = [
      change('lib/moved.ts', { oldPath: 'src/moved.ts' }),
      change('src/in.ts', { oldPath: 'lib/in.ts' }),
      change('old/gone.ts', { status: 'deleted' }),
    ];
    expect(guardScope(changes, ['src/**'], limits)?.evidence.files).toEqual([
      'lib/in.ts',
      'lib/moved.ts',
      'old/gone.ts',
    ]);
  });

  it('rolls back (red) at five files', () => {
    const changes = ['a', 'b', 'c', 'd', 'e'].map((n) => change(`lib/${n}.ts`));
    expect(guardScope(changes, ['src/**'], limits)).toMatchObject({ action: 'rollback', line: 'red' });
    expect(guardScope(changes.slice(0, 4), ['src/**'], limits)).toMatchObject({ action: 'block' });
  });

  it('treats a plain directory as everything under it, and matches dotfiles', () => {
    expect(
      guardScope([change('src/auth/x.ts'), change('src/auth/.env.example')], ['src/auth'], limits),
    ).toBeUndefined();
    expect(guardScope([change('src/authz.ts')], ['src/auth'], limits)).toBeDefined();
    expect(guardScope([change('src/.hidden/x.ts')], ['src/**'], limits)).toBeUndefined();
  });
});

describe('spec drift', () => {
  const drift = (over: Partial<GuardInput>) => guardSpecDrift(base(over));

  it('trips when a base test file is deleted, but not a test file added by this plan', () => {
    expect(drift({ changes: [change('tests/a.test.ts', { status: 'deleted' })] })).toMatchObject({
      breaker: 'spec_drift',
      action: 'rollback',
      line: 'red',
      evidence: { deletedTests: ['tests/a.test.ts'] },
    });
    expect(drift({ changes: [change('tests/mine.test.ts', { status: 'deleted' })] })).toBeUndefined();
  });

  it('trips when a base test file is renamed to a non-test path', () => {
    expect(
      drift({ changes: [change('tests/a.ts.bak', { oldPath: 'tests/a.test.ts' })] })?.evidence,
    ).toMatchObject({
      renamedTests: [{ from: 'tests/a.test.ts', to: 'tests/a.ts.bak' }],
    });
    expect(
      drift({ changes: [change('tests/renamed.test.ts', { oldPath: 'tests/a.test.ts' })] }),
    ).toBeUndefined();
    expect(drift({ changes: [change('src/a_old.py', { oldPath: 'tests/test_mod.py' })] })).toBeDefined();
  });

  it('trips when assertions or test cases are removed from an existing test (JS/TS and Python)', () => {
    expect(
      drift({ changes: [change('tests/a.test.ts', { removed: ['  expect(add(1, 2)).toBe(3);'] })] })
        ?.evidence,
    ).toMatchObject({ removedAssertions: [{ path: 'tests/a.test.ts', count: 1 }] });
    expect(
      drift({ changes: [change('tests/a.test.ts', { removed: ["it('adds', () => {", '});'] })] })?.evidence,
    ).toMatchObject({ removedTests: [{ path: 'tests/a.test.ts', count: 1 }] });
    expect(
      drift({ changes: [change('tests/test_mod.py', { removed: ['    assert f(1) == 2'] })] }),
    ).toBeDefined();
    expect(
      drift({
        changes: [change('tests/test_mod.py', { removed: ['def test_f():', '    self.assertEqual(a, b)'] })],
      })?.evidence,
    ).toMatchObject({ removedTests: [{ count: 1 }], removedAssertions: [{ count: 1 }] });
    expect(
      drift({ changes: [change('pkg/x_test.go', { removed: ['\tt.Fatalf("got %d", n)'] })] }),
    ).toBeDefined();
  });

  it.each([
    ['tests/a.test.ts', "describe.skip('math', () => {"],
    ['tests/a.test.ts', "it.skip('adds', () => {"],
    ['tests/a.test.ts', "test.only('adds', () => {"],
    ['tests/a.test.ts', "it.only('adds', () => {"],
    ['tests/a.test.ts', "xit('adds', () => {"],
    ['tests/a.test.ts', "xdescribe('math', () => {"],
    ['tests/a.test.ts', "test.todo('adds');"],
    ['tests/a.test.ts', "fit('adds', () => {"],
    ['tests/a.test.ts', "it.skipIf(process.env.CI)('adds', () => {"],
    ['tests/a.test.ts', "test('adds', { skip: true }, () => {"],
    ['tests/new.test.ts', "describe.only('focus', () => {"],
    ['tests/test_mod.py', '@pytest.mark.skip(reason="flaky")'],
    ['tests/test_mod.py', '@pytest.mark.skipif(sys.platform == "linux", reason="x")'],
    ['tests/test_mod.py', '@pytest.mark.xfail'],
    ['tests/test_mod.py', '    pytest.skip("later")'],
    ['tests/test_mod.py', '@unittest.skip("later")'],
    ['tests/test_mod.py', '        self.skipTest("later")'],
    ['pkg/x_test.go', '\tt.Skip("later")'],
  ])('trips on a skip/focus marker added in %s: %s', (path, line) => {
    const f = drift({ changes: [change(path, { added: [line] })] });
    expect(f?.evidence.skipMarkers).toEqual([expect.objectContaining({ path, count: 1 })]);
  });

  it('ignores skip-like words outside tests and markers that were only moved', () => {
    expect(
      drift({ changes: [change('src/list.ts', { added: ['rows.skip(10); describe.only = 1;'] })] }),
    ).toBeUndefined();
    expect(
      drift({
        changes: [
          change('tests/a.test.ts', {
            added: ["  it.skip('old', () => {"],
            removed: ["it.skip('old', () => {"],
          }),
        ],
      }),
    ).toBeUndefined();
    expect(
      drift({ changes: [change('tests/a.test.ts', { added: ['const exit = 1; // fit the box'] })] }),
    ).toBeUndefined();
  });

  it('trips when the checks report fewer tests than the last accepted state', () => {
    expect(drift({ checks: [check({ total: 9 })] })?.evidence).toMatchObject({
      testCount: { before: 10, after: 9 },
    });
    expect(drift({ checks: [check({ total: 10 })] })).toBeUndefined();
    expect(drift({ checks: [check({ total: 11 })] })).toBeUndefined();
    // Unknown counts never trip.
    expect(drift({ checks: [check()] })).toBeUndefined();
    expect(drift({ checks: [check({ total: 3 })], previousTestTotal: undefined })).toBeUndefined();
  });

  it('trips when an existing snapshot is rewritten or deleted', () => {
    expect(
      drift({ changes: [change('tests/__snapshots__/a.test.ts.snap', { added: ['x'], removed: ['y'] })] }),
    ).toBeDefined();
    expect(
      drift({ changes: [change('tests/__snapshots__/test_a.ambr', { status: 'deleted' })] }),
    ).toBeDefined();
  });

  it('trips when test runner config changes, but not on unrelated lines of shared files', () => {
    expect(
      drift({ changes: [change('vitest.config.ts', { added: ["exclude: ['tests/slow/**'],"] })] }),
    ).toBeDefined();
    expect(
      drift({ changes: [change('jest.config.js', { status: 'added', added: ['module.exports = {}'] })] }),
    ).toBeDefined();
    expect(drift({ changes: [change('pytest.ini', { added: ['addopts = -k "not slow"'] })] })).toBeDefined();
    expect(
      drift({
        changes: [change('pyproject.toml', { added: ['addopts = "-x --deselect tests/test_a.py"'] })],
      }),
    ).toBeDefined();
    expect(
      drift({
        changes: [change('package.json', { added: ['  "jest": { "testPathIgnorePatterns": ["x"] },'] })],
      }),
    ).toBeDefined();
    expect(drift({ changes: [change('pyproject.toml', { added: ['requests = "^2.31"'] })] })).toBeUndefined();
    expect(drift({ changes: [change('package.json', { added: ['    "zod": "^4.0.0",'] })] })).toBeUndefined();
  });

  it('lets a plan whose scope names the exact file delete that test', () => {
    expect(
      drift({
        scope: ['src/**', 'tests/a.test.ts'],
        changes: [change('tests/a.test.ts', { status: 'deleted' })],
      }),
    ).toBeUndefined();
    // A directory or glob in scope is not such a permission.
    expect(
      drift({ scope: ['tests'], changes: [change('tests/a.test.ts', { status: 'deleted' })] }),
    ).toBeDefined();
  });
});

describe('gate tampering', () => {
  const gate = (
    path: string,
    opts: Parameters<typeof change>[1] = { added: ['x'] },
    scope = ['**'],
    checks = ['npm test'],
  ) => guardGateTampering([change(path, opts)], scope, checks);

  it.each([
    ['.github/workflows/ci.yml', 'CI config'],
    ['.gitlab-ci.yml', 'CI config'],
    ['.circleci/config.yml', 'CI config'],
    ['.eslintrc.json', 'lint config'],
    ['eslint.config.mjs', 'lint config'],
    ['biome.json', 'lint config'],
    ['ruff.toml', 'lint config'],
    ['.husky/pre-commit', 'git hooks'],
    ['tsconfig.json', 'tsconfig'],
    ['packages/web/tsconfig.build.json', 'tsconfig'],
    ['jidoka.yaml', 'Jidoka config'],
    ['.npmrc', 'package manager config'],
    ['packages/app/.npmrc', 'package manager config'],
    ['.yarnrc.yml', 'package manager config'],
    ['.pnpmfile.cjs', 'package manager config'],
    ['pnpm-workspace.yaml', 'package manager config'],
    ['bunfig.toml', 'package manager config'],
    ['.pnp.cjs', 'package manager config'],
    ['.yarn/releases/yarn-4.1.0.cjs', 'package manager config'],
    ['.gitignore', 'git attributes and ignore rules'],
    ['src/.gitignore', 'git attributes and ignore rules'],
    ['.gitattributes', 'git attributes and ignore rules'],
    ['babel.config.js', 'build transform config'],
    ['.babelrc', 'build transform config'],
    ['.swcrc', 'build transform config'],
  ])('trips when %s is edited (%s)', (path, kind) => {
    expect(gate(path)).toMatchObject({
      breaker: 'gate_tampering',
      category: 'gate_tampering',
      line: 'red',
      evidence: { gates: [{ path, kind }] },
    });
  });

  it('trips on package.json scripts the checks run, not on dependencies', () => {
    expect(
      gate('package.json', { added: ['    "test": "echo ok"'], removed: ['    "test": "vitest run"'] }),
    ).toBeDefined();
    expect(
      gate('package.json', { added: ['    "verify:all": "true"'] }, ['**'], ['npm run verify:all']),
    ).toBeDefined();
    expect(
      gate('package.json', { added: ['    "zod": "^4.1.0"'], removed: ['    "zod": "^4.0.0"'] }),
    ).toBeUndefined();
    expect(gate('package.json', { added: ['    "dev": "vite"'] })).toBeUndefined();
  });

  it('does not count look-alikes of the new gate files', () => {
    for (const path of ['docs/npmrc.md', 'src/gitignore.ts', 'src/babel.ts', 'yarn.lock', 'src/pnp.ts'])
      expect(gate(path), path).toBeUndefined();
  });

  it('trips on files the check commands name', () => {
    expect(
      gate('scripts/check.sh', { added: ['exit 0'] }, ['**'], ['./scripts/check.sh --all']),
    ).toBeDefined();
    expect(gate('Makefile', { added: ['test:'] }, ['**'], ['make test'])).toBeDefined();
    expect(gate('scripts/deploy.sh', { added: ['echo'] }, ['**'], ['./scripts/check.sh'])).toBeUndefined();
    expect(filesNamedByChecks(['pnpm lint && python tools/gate.py', 'tox -e py'])).toEqual({
      files: new Set(['tools/gate.py', 'tox.ini']),
      scripts: expect.any(Set),
    });
  });

  it.each([
    ['.husky/pre-push', 'git push --no-verify', '--no-verify'],
    ['scripts/release.sh', 'npm test || true', '|| true'],
    ['src/a.ts', '// @ts-ignore', '@ts-ignore'],
    ['src/a.ts', '// @ts-nocheck', '@ts-ignore'],
    ['src/a.ts', '// eslint-disable-next-line no-console', 'eslint-disable'],
    ['src/a.ts', '/* eslint-disable */', 'eslint-disable'],
    ['src/mod.py', 'import os  # noqa: F401', '# noqa'],
    ['src/mod.py', 'x = f()  # type: ignore', '# type: ignore'],
  ])('trips on a bypass added in %s: %s', (path, line, marker) => {
    expect(gate(path, { added: [line] })?.evidence.bypasses).toEqual([{ path, marker, count: 1 }]);
  });

  it('does not mistake ordinary code for a bypass', () => {
    expect(gate('src/a.ts', { added: ['const ok = a || true;', 'if (x) return true;'] })).toBeUndefined();
    expect(gate('src/a.ts', { added: ['// @ts-ignore'], removed: ['// @ts-ignore'] })).toBeUndefined();
    expect(
      gate('docs/guide.md', { added: ['Never use git commit --no-verify.'] })?.evidence.bypasses,
    ).toHaveLength(1);
  });

  it('lets a plan whose scope names the exact gate file edit it, but never a bypass', () => {
    expect(
      gate('.github/workflows/ci.yml', { added: ['node: 22'] }, ['.github/workflows/ci.yml']),
    ).toBeUndefined();
    expect(gate('.github/workflows/ci.yml', { added: ['node: 22'] }, ['.github/**'])).toBeDefined();
    expect(
      gate('.github/workflows/ci.yml', { added: ['run: npm test || true'] }, ['.github/workflows/ci.yml']),
    ).toBeDefined();
  });
});

describe('false done', () => {
  const edits = [change('src/a.ts', { added: ['x'] })];
  it('fails the attempt when the maker exits 0 while checks fail', () => {
    expect(guardFalseDone(edits, [check({ exitCode: 1 })], 0)).toMatchObject({
      breaker: 'false_done',
      category: 'false_done',
      action: 'fail_attempt',
      line: 'none',
      evidence: { emptyDiff: false, failedChecks: [{ name: 'npm test', exitCode: 1 }] },
    });
  });
  it('fails the attempt when the maker exits 0 with an empty diff', () => {
    expect(guardFalseDone([], [check()], 0)?.evidence).toMatchObject({ emptyDiff: true });
  });
  it('stays quiet for a real completion, and for a maker that admitted failure', () => {
    expect(guardFalseDone(edits, [check()], 0)).toBeUndefined();
    expect(guardFalseDone([], [check({ exitCode: 1 })], 1)).toBeUndefined();
    expect(guardFalseDone([], [], null)).toBeUndefined();
  });
});

describe('secrets', () => {
  // Built at run time so this file itself holds no token-shaped literal.
  const rand = (n: number, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789') =>
    Array.from({ length: n }, (_, i) => alphabet[(i * 7919 + 13) % alphabet.length]).join('');
  const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const tokens: [string, string][] = [
    ['AWS access key id', `aws_access_key_id = ${'AKIA'}${rand(16, upper)}`],
    ['GitHub token', `const t = "${'ghp_'}${rand(36)}";`],
    ['GitHub fine-grained token', `token: ${'github_pat_'}${rand(70)}`],
    ['Slack token', `SLACK=${'xoxb-'}${rand(12, '0123456789')}-${rand(24)}`],
    ['OpenAI/Anthropic-style key', `OPENAI_API_KEY=${'sk-proj-'}${rand(48)}`],
    ['private key', '-----BEGIN RSA PRIVATE KEY-----'],
    ['private key', '-----BEGIN OPENSSH PRIVATE KEY-----'],
    ['JWT', `auth: "${'eyJ'}${rand(20)}.${'eyJ'}${rand(30)}.${rand(40)}"`],
  ];

  it.each(tokens)('finds a %s and redacts it', (kind, line) => {
    const f = guardSecrets([change('src/config.ts', { added: [line] })], []);
    expect(f).toMatchObject({ breaker: 'secrets', category: 'secret_leak', action: 'rollback', line: 'red' });
    expect((f!.evidence.secrets as { kind: string }[]).map((s) => s.kind)).toContain(kind);
    const secret = line.match(/[A-Za-z0-9_-]{20,}/)?.[0];
    if (secret) expect(JSON.stringify(f)).not.toContain(secret);
  });

  it('finds high-entropy values assigned to secret-sounding names', () => {
    for (const line of [
      `const apiKey = "${rand(32)}";`,
      `DB_PASSWORD=${rand(20)}`,
      `  "client_secret": "${rand(40)}",`,
    ]) {
      expect(guardSecrets([change('src/x.ts', { added: [line] })], []), line).toBeDefined();
    }
  });

  it('finds gitignored files that were force-added', () => {
    expect(guardSecrets([], ['.env'])?.evidence).toMatchObject({ ignoredForceAdded: ['.env'] });
  });

  it('does not flag ordinary code: hashes, fixtures, env reads, placeholders', () => {
    const ordinary = [
      change('package-lock.json', {
        added: [
          `      "integrity": "sha512-${rand(86)}==",`,
          `      "resolved": "https://registry.npmjs.org/x/-/x-1.0.0.tgz",`,
        ],
      }),
      change('src/version.ts', {
        added: ['export const COMMIT_SHA = "e83c5163316f89bfbde7d9ab23ca2e25604af290";'],
      }),
      change('tests/fixtures/image.ts', {
        added: [
          'export const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";',
        ],
      }),
      change('src/env.ts', {
        added: [
          'const token = process.env.GITHUB_TOKEN;',
          'password = os.environ["DB_PASSWORD_2024_PRIMARY"]',
          'const apiKey = "your-api-key-goes-here-123";',
          'password: "changeme1234567890"',
          'const tokenizer = new Tokenizer(options);',
          'export const passwordResetTokenExpiryMinutes = 15;',
          'const secretName = "my-app-secret-name";',
          'const TOKEN_REGEX = /^ghp_[A-Za-z0-9]{36}$/;',
          `api_key: \${API_KEY_FROM_VAULT_0001}`,
        ],
      }),
      change('assets/logo.png', { status: 'added', binary: true }),
    ];
    expect(guardSecrets(ordinary, [])).toBeUndefined();
  });
});

describe('runGuards', () => {
  it('reports every finding, most severe first', () => {
    const findings = runGuards(
      base({
        changes: [
          change('src/a.ts', { added: ['// @ts-ignore'] }),
          change('tests/a.test.ts', { status: 'deleted' }),
          change('README.md', { added: ['more'] }),
        ],
        checks: [check({ exitCode: 1, total: 10 })],
      }),
    );
    expect(findings.map((f) => f.breaker)).toEqual(['gate_tampering', 'spec_drift', 'scope', 'false_done']);
  });
});
