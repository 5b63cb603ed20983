import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.js';
import { PROJECT_ROOT } from '../support/repo.js';

function problemsOf(text: string) {
  try {
    parseConfig(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the config to be refused');
}

describe('jidoka.yaml validation', () => {
  it('fills documented defaults for an empty file', () => {
    const config = parseConfig('');
    expect(config.limits.maxAttempts).toBe(3);
    expect(config.limits.noProgress).toBe(10 * 60_000);
    expect(config.limits.agentTimeout).toBe(30 * 60_000);
    expect(config.merge.mode).toBe('human');
    expect(config.docs.uncovered).toEqual(['src/**']);
  });

  it('converts durations and accepts both forms of check', () => {
    const config = parseConfig(
      'limits:\n  noProgress: 90s\nchecks:\n  - npm test\n  - { run: npm run lint, timeout: 2m }\n',
    );
    expect(config.limits.noProgress).toBe(90_000);
    expect(config.checks).toEqual(['npm test', { run: 'npm run lint', timeout: 120_000 }]);
  });

  it('names the line, key and expectation of a value of the wrong type', () => {
    const problems = problemsOf('agents:\n  maker: { adapter: codex }\nlimits:\n  maxAttempts: three\n');
    expect(problems).toEqual([
      expect.objectContaining({
        file: 'jidoka.yaml',
        line: 4,
        key: 'limits.maxAttempts',
        message: expect.stringMatching(/expected number, got string "three"/),
      }),
    ]);
  });

  it('reports a bad duration and an unknown adapter on their lines', () => {
    const problems = problemsOf('limits:\n  noProgress: soon\nagents:\n  checker:\n    adapter: clod\n');
    expect(problems.map((p) => [p.line, p.key])).toEqual([
      [2, 'limits.noProgress'],
      [5, 'agents.checker.adapter'],
    ]);
    expect(problems[1]?.message).toMatch(/"claude"/);
  });

  it('reports unknown keys at any depth, with a suggestion', () => {
    const problems = problemsOf('limits:\n  maxAtempts: 4\nfoo: 1\n');
    expect(problems).toEqual([
      expect.objectContaining({
        line: 2,
        key: 'limits.maxAtempts',
        message: expect.stringContaining('did you mean "maxAttempts"'),
      }),
      expect.objectContaining({ line: 3, key: 'foo', message: expect.stringContaining('unknown key') }),
    ]);
  });

  it('reports bad YAML with its line', () => {
    const problems = problemsOf('checks:\n  - npm test\nlimits: [1,\n');
    expect(problems[0]?.message).toMatch(/invalid YAML/);
    expect(problems[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it('requires a command for the command adapter and a valid cron', () => {
    const problems = problemsOf(
      'agents:\n  maker:\n    adapter: command\nschedule:\n  audit: every monday\n',
    );
    expect(problems.map((p) => p.key)).toEqual(['agents.maker.command', 'schedule.audit']);
  });

  it('uses defaults when the file is absent, refuses when required', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jidoka-config-'));
    expect(loadConfig(dir).path).toBeUndefined();
    expect(() => loadConfig(dir, { required: true })).toThrow(/no jidoka.yaml/);
    writeFileSync(join(dir, 'jidoka.yaml'), 'limits:\n  maxAttempts: 0\n');
    expect(() => loadConfig(dir)).toThrow(/jidoka.yaml:2: limits.maxAttempts/);
  });
});

describe('the validated config is remembered (compiled build)', () => {
  // The cache key hashes the compiled schema.js and load.js, so this runs the build the global setup made.
  const dist = async () =>
    (await import('../../dist/config/cached.js')) as typeof import('../../src/config/cached.js');
  const repo = () => mkdtempSync(join(tmpdir(), 'jidoka-config-cache-'));
  const cacheFile = (root: string) => join(root, '.jidoka', 'cache', 'config.json');

  it('gives exactly what loadConfig gives, for the documented template and for no file', async () => {
    const { loadConfigCached } = await dist();
    const root = repo();
    expect(await loadConfigCached(root)).toEqual(loadConfig(root));
    expect(await loadConfigCached(root)).toEqual(loadConfig(root));
    writeFileSync(join(root, 'jidoka.yaml'), readFileSync(join(PROJECT_ROOT, 'templates', 'jidoka.yaml')));
    const first = await loadConfigCached(root);
    expect(first).toEqual(loadConfig(root));
    expect(JSON.parse(readFileSync(cacheFile(root), 'utf8')).config).toEqual(first.config);
    expect(await loadConfigCached(root)).toEqual(loadConfig(root));
  });

  it('an edited file is read again; a bad one is refused every time and never remembered', async () => {
    const { loadConfigCached } = await dist();
    const root = repo();
    writeFileSync(join(root, 'jidoka.yaml'), 'limits:\n  maxAttempts: 4\n');
    expect((await loadConfigCached(root)).config.limits.maxAttempts).toBe(4);
    writeFileSync(join(root, 'jidoka.yaml'), 'limits:\n  maxAttempts: 5\n');
    expect((await loadConfigCached(root)).config.limits.maxAttempts).toBe(5);
    const kept = readFileSync(cacheFile(root), 'utf8');
    writeFileSync(join(root, 'jidoka.yaml'), 'limits:\n  maxAttempts: five\n');
    for (let i = 0; i < 2; i++) await expect(loadConfigCached(root)).rejects.toThrow(/maxAttempts/);
    expect(readFileSync(cacheFile(root), 'utf8')).toBe(kept);
    await expect(loadConfigCached(root, { required: true })).rejects.toThrow(/maxAttempts/);
  });

  it('a damaged or foreign cache file is a miss', async () => {
    const { loadConfigCached } = await dist();
    const root = repo();
    writeFileSync(join(root, 'jidoka.yaml'), 'limits:\n  maxAttempts: 4\n');
    await loadConfigCached(root);
    const hit = JSON.parse(readFileSync(cacheFile(root), 'utf8'));
    writeFileSync(
      cacheFile(root),
      JSON.stringify({ ...hit, key: 'x', config: { limits: { maxAttempts: 9 } } }),
    );
    expect((await loadConfigCached(root)).config.limits.maxAttempts).toBe(4);
    writeFileSync(cacheFile(root), '{ not json');
    expect((await loadConfigCached(root)).config).toEqual(loadConfig(root).config);
  });
});

describe('sandbox config', () => {
  it('defaults to bwrap; each role gets the global mode and writable paths, then its own', () => {
    const c = parseConfig(
      [
        'sandbox: { writable: [/opt/shared] }',
        'agents:',
        '  maker: { adapter: claude, sandbox: { writable: ["~/.claude"] } }',
        '  checker: { adapter: claude }',
      ].join('\n'),
    );
    expect(c.sandbox).toEqual({ mode: 'bwrap', writable: ['/opt/shared'] });
    expect(c.agents.maker?.sandbox).toEqual({ mode: 'bwrap', writable: ['/opt/shared', '~/.claude'] });
    expect(c.agents.checker?.sandbox).toEqual({ mode: 'bwrap', writable: ['/opt/shared'] });
  });

  it('mode none reaches every role', () => {
    const c = parseConfig('sandbox: { mode: none }\nagents:\n  goal: { adapter: codex }\n');
    expect(c.agents.goal?.sandbox?.mode).toBe('none');
  });

  it('refuses an unknown mode and a relative writable path, naming the key', () => {
    expect(() => parseConfig('sandbox: { mode: docker }\n')).toThrow(/sandbox\.mode.*"bwrap", "none"/s);
    expect(() =>
      parseConfig('agents:\n  maker: { adapter: claude, sandbox: { writable: [cache] } }\n'),
    ).toThrow(/agents\.maker\.sandbox\.writable\.0.*absolute path/s);
  });
});

describe('worktree config', () => {
  it('takes the paths setup produces for reuse, and refuses one outside the worktree', () => {
    expect(parseConfig('worktree: { setup: [npm ci], reuse: [node_modules] }\n').worktree).toEqual({
      setup: ['npm ci'],
      reuse: ['node_modules'],
    });
    expect(parseConfig('').worktree).toEqual({ setup: [], reuse: [] });
    for (const bad of ['/abs', '../up', 'a/../../b', '.git', '.git/hooks', '.', ''])
      expect(() => parseConfig(`worktree: { reuse: [${JSON.stringify(bad)}] }\n`), bad).toThrow(
        /worktree\.reuse\.0/,
      );
  });
});
