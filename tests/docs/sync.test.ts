import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLine, setStopped } from '../../src/andon/line.js';
import { loadConfig } from '../../src/config/load.js';
import { readLedger } from '../../src/core/ledger.js';
import { syncDocs } from '../../src/loops/document/document.js';
import { collectStatus } from '../../src/status/status.js';
import { lintWiki } from '../../src/wiki/lint.js';
import { commitAll, git, page, tempDir, tempRepo, write } from '../wiki/helpers.js';

/**
 * The documentation loop end to end on temp repositories, with a scripted
 * docs agent (tests/support/fake-agent.mjs through the command adapter).
 */

const ROOT = join(import.meta.dirname, '..', '..');
const FAKE = join(ROOT, 'tests', 'support', 'fake-agent.mjs');
const TEMPLATES = join(ROOT, 'templates', 'wiki');
const NOW = new Date('2025-01-02T12:00:00Z');

interface Repo {
  dir: string;
  base: string;
  head: string;
  script: string;
}

/** A repo whose agents page was verified at `base`, then src/agents changed and src/loops appeared. */
function repo(docsCommit: 'branch' | 'main' = 'branch'): Repo {
  const dir = tempRepo();
  write(dir, '.gitignore', '.jidoka/\n');
  for (const f of ['00_SCHEMA.md', 'log.md'])
    write(dir, `wiki/${f}`, readFileSync(join(TEMPLATES, f), 'utf8'));
  write(dir, 'src/agents/run.ts', 'export function run() { return 1; }\n');
  const base = commitAll(dir, 'agents');
  write(
    dir,
    'wiki/20_SYSTEM/agents.md',
    page('Agents', 'Agents run one at a time.', { sources: '\n  - src/agents/**', verified: base }),
  );
  write(dir, 'wiki/index.md', '# Index\n\n- [Agents](20_SYSTEM/agents.md)\n');
  commitAll(dir, 'wiki');
  write(dir, 'src/agents/run.ts', 'export function run() { return 2; } // now in parallel\n');
  commitAll(dir, 'agents: run in parallel');
  write(dir, 'src/loops/document.ts', 'export const doc = 1;\n');
  const head = commitAll(dir, 'loops: document');
  const script = join(tempDir('jidoka-script-'), 'script.json');
  write(
    dir,
    'jidoka.yaml',
    `agents:\n  docs:\n    adapter: command\n    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(FAKE)}, --script, ${JSON.stringify(script)}]\n    sandbox: { writable: [${JSON.stringify(dirname(script))}] }\n    timeout: 20s\ndocs:\n  commit: ${docsCommit}\n`,
  );
  return { dir, base, head, script };
}

/** The agent's good work: the stale page updated, a page for the new module. */
function goodAgent(r: Repo): void {
  const steps = [
    [
      {
        write: 'wiki/20_SYSTEM/agents.md',
        content: page('Agents', 'Agents run in parallel.', {
          sources: '\n  - src/agents/**',
          verified: r.head,
        }),
      },
      {
        write: 'wiki/20_SYSTEM/loops.md',
        content: page('Loops', 'The loops; see [Agents](agents.md).', {
          sources: '\n  - src/loops/**',
          verified: r.head,
        }),
      },
      { report: { pages: ['wiki/20_SYSTEM/agents.md', 'wiki/20_SYSTEM/loops.md'], notes: 'updated' } },
    ],
  ];
  writeFileSync(r.script, JSON.stringify({ docs: steps }));
}

const configOf = (dir: string) => loadConfig(dir).config;
const show = (dir: string, rev: string, path: string) => git(dir, 'show', `${rev}:${path}`);

describe('jidoka docs sync', () => {
  it('updates stale pages on a docs branch: pages updated, index regenerated, log appended, lint clean', async () => {
    const r = repo();
    goodAgent(r);
    const before = git(r.dir, 'status', '--porcelain');
    const result = await syncDocs({ root: r.dir, config: configOf(r.dir), now: NOW });

    expect(result.status).toBe('committed');
    expect(result.stale).toEqual(['wiki/20_SYSTEM/agents.md']);
    expect(result.uncovered.map((u) => u.path)).toEqual(['src/loops/']);
    expect(result.branch).toBe('jidoka/docs-2025-01-02');
    expect(result.lint).toEqual({ errors: 0, warnings: 0, total: 0 });

    // The user's checkout is untouched: same branch, same commit, same files.
    expect(git(r.dir, 'rev-parse', 'HEAD')).toBe(r.head);
    expect(git(r.dir, 'branch', '--show-current')).toBe('main');
    expect(git(r.dir, 'status', '--porcelain')).toBe(before);

    // The branch holds one commit on top of main with the wiki update.
    const b = result.branch!;
    expect(git(r.dir, 'rev-list', '--count', `main..${b}`)).toBe('1');
    expect(git(r.dir, 'diff', '--name-only', `main..${b}`).split('\n')).toEqual([
      'wiki/20_SYSTEM/agents.md',
      'wiki/20_SYSTEM/loops.md',
      'wiki/90_LOG/docs-sync-2025-01-02.md',
      'wiki/index.md',
      'wiki/log.md',
    ]);
    expect(show(r.dir, b, 'wiki/20_SYSTEM/agents.md')).toContain('Agents run in parallel.');
    const index = show(r.dir, b, 'wiki/index.md');
    expect(index).toContain('- [Loops](20_SYSTEM/loops.md) — The loops; see Agents.');
    expect(index).toContain('- [Docs sync 2025-01-02](90_LOG/docs-sync-2025-01-02.md)');
    const log = show(r.dir, b, 'wiki/log.md');
    expect(log).toMatch(
      /\n## 2025-01-02 sync \| 1 stale, 1 uncovered, 2 pages written by the docs agent\n\n- head: [0-9a-f]{40}\n- since: first sync\n/,
    );
    expect(log).toContain(`- head: ${r.head}`);
    const runLog = show(r.dir, b, 'wiki/90_LOG/docs-sync-2025-01-02.md');
    expect(runLog).toContain('- [wiki/20_SYSTEM/agents.md](../20_SYSTEM/agents.md)');
    expect(runLog).toContain('`agents: run in parallel`');

    // The prompt named the stale page, its commit, its diff and the uncovered module.
    const prompt = readFileSync(
      join(r.dir, '.jidoka', 'runs', readdir(r.dir)[0]!, 'docs', 'prompt.md'),
      'utf8',
    );
    expect(prompt).toContain('## wiki/20_SYSTEM/agents.md');
    expect(prompt).toMatch(/agents: run in parallel \(src\/agents\/run\.ts\)/);
    expect(prompt).toContain('+export function run() { return 2; } // now in parallel');
    expect(prompt).toContain('- `src/loops/`');
    expect(prompt).toContain(`verified: ${r.head}`);

    // Lint on the branch is clean, the sync is recorded, the worktree is gone.
    const check = join(tempDir('jidoka-check-'), 'wt');
    git(r.dir, 'worktree', 'add', '--quiet', check, b);
    const lint = await lintWiki({ root: check, config: configOf(r.dir), useCache: false });
    expect(lint.findings).toEqual([]);
    expect(JSON.parse(readFileSync(join(r.dir, '.jidoka', 'state', 'docs.json'), 'utf8'))).toMatchObject({
      lastSync: r.head,
      branch: b,
    });
    expect(existsSync(join(r.dir, '.jidoka', 'worktrees', 'docs-2025-01-02'))).toBe(false);

    // Until that branch is merged, another sync does not write the same update again.
    const again = await syncDocs({ root: r.dir, config: configOf(r.dir), now: NOW });
    expect(again).toMatchObject({ status: 'pending-review', branch: b });
    git(r.dir, 'merge', '--ff-only', '--quiet', b);
    expect((await syncDocs({ root: r.dir, config: configOf(r.dir), now: NOW })).status).toBe('up-to-date');
  });

  it('with docs.commit: main, fast-forwards main in the checkout', async () => {
    const r = repo('main');
    goodAgent(r);
    const result = await syncDocs({ root: r.dir, config: configOf(r.dir), now: NOW });
    expect(result.status).toBe('committed');
    expect(result.notOnMain).toBeUndefined();
    expect(git(r.dir, 'rev-parse', 'HEAD')).toBe(result.commit);
    expect(git(r.dir, 'log', '-1', '--format=%s')).toMatch(/^docs: sync wiki to /);
    expect(readFileSync(join(r.dir, 'wiki', '20_SYSTEM', 'loops.md'), 'utf8')).toContain('The loops');
    expect(git(r.dir, 'branch', '--list', 'jidoka/*')).toBe('');
    const lint = await lintWiki({ root: r.dir, config: configOf(r.dir), useCache: false });
    expect(lint.findings).toEqual([]);
    // Synced and merged: the next run has nothing to do.
    const again = await syncDocs({ root: r.dir, config: configOf(r.dir), now: NOW });
    expect(again.status).toBe('up-to-date');
  });

  it('with docs.commit: main and a stopped line, the update stays on its branch', async () => {
    const r = repo('main');
    goodAgent(r);
    setStopped(r.dir, { incident: 'i1', category: 'hang', reason: 'test' });
    const result = await syncDocs({ root: r.dir, config: configOf(r.dir), now: NOW });
    expect(result).toMatchObject({
      status: 'committed',
      notOnMain: 'the line is stopped',
      branch: 'jidoka/docs-2025-01-02',
    });
    expect(git(r.dir, 'rev-parse', 'HEAD')).toBe(r.head);
    expect(result.message).toMatch(
      /docs\.commit is main, but the line is stopped: merge jidoka\/docs-2025-01-02 yourself/,
    );
  });

  it('more than limits.wikiAutoFixMaxIssues issues after the agent: nothing committed, line yellow, worktree kept', async () => {
    const r = repo();
    const links = Array.from({ length: 11 }, (_, i) => `[x${i}](missing-${i}.md)`).join(' ');
    writeFileSync(
      r.script,
      JSON.stringify({
        docs: [
          [
            {
              write: 'wiki/20_SYSTEM/agents.md',
              content: page('Agents', `Broken: ${links}`, {
                sources: '\n  - src/agents/**',
                verified: r.head,
              }),
            },
          ],
        ],
      }),
    );
    const refs = git(r.dir, 'for-each-ref', '--format=%(refname) %(objectname)');
    const wikiBefore = readFileSync(join(r.dir, 'wiki', '20_SYSTEM', 'agents.md'), 'utf8');
    const result = await syncDocs({ root: r.dir, config: configOf(r.dir), now: NOW });

    expect(result.status).toBe('needs-human');
    expect(result.lint?.total).toBeGreaterThan(10);
    expect(result.message).toMatch(/more than limits\.wikiAutoFixMaxIssues = 10\); nothing committed/);
    // No commit anywhere: every existing ref is where it was; the new branch still points at main.
    expect(git(r.dir, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads/main')).toBe(
      `refs/heads/main ${r.head}`,
    );
    for (const line of refs.split('\n'))
      expect(git(r.dir, 'for-each-ref', '--format=%(refname) %(objectname)')).toContain(line);
    expect(git(r.dir, 'rev-parse', 'jidoka/docs-2025-01-02')).toBe(r.head);
    expect(readFileSync(join(r.dir, 'wiki', '20_SYSTEM', 'agents.md'), 'utf8')).toBe(wikiBefore);
    expect(existsSync(join(r.dir, '.jidoka', 'state', 'docs.json'))).toBe(false);
    expect(readLine(r.dir)).toMatchObject({
      state: 'yellow',
      yellow: { reason: expect.stringMatching(/^docs sync: \d+ wiki lint issues/) },
    });
    // The agent's work waits in the worktree for a human.
    expect(readFileSync(join(result.worktree!, 'wiki', '20_SYSTEM', 'agents.md'), 'utf8')).toContain(
      'missing-10.md',
    );
  });

  it('a failing docs agent commits nothing', async () => {
    const r = repo();
    writeFileSync(r.script, JSON.stringify({ docs: [[{ stderr: 'model unavailable' }, { exit: 3 }]] }));
    const result = await syncDocs({ root: r.dir, config: configOf(r.dir), now: NOW });
    expect(result.status).toBe('agent-failed');
    expect(result.message).toMatch(/the docs agent failed: .*nothing was committed/);
    expect(git(r.dir, 'rev-parse', 'jidoka/docs-2025-01-02')).toBe(r.head);
    expect(existsSync(join(r.dir, '.jidoka', 'state', 'docs.json'))).toBe(false);
  });

  it('an aborted signal stops a hung docs agent: agent-failed, nothing committed, no sync recorded', async () => {
    const r = repo();
    writeFileSync(r.script, JSON.stringify({ docs: [[{ stdout: 'started\n' }, { hang: true }]] }));
    const abort = new AbortController();
    const calls = `${r.script}.calls.json`;
    const started = (async () => {
      while (!existsSync(calls)) await new Promise((res) => setTimeout(res, 50));
      abort.abort(new Error('shutting down'));
      return Date.now();
    })();
    const result = await syncDocs({ root: r.dir, config: configOf(r.dir), now: NOW, signal: abort.signal });
    // Well before the agent's own 20 s timeout.
    expect(Date.now() - (await started)).toBeLessThan(10_000);
    expect(result.status).toBe('agent-failed');
    expect(result.message).toMatch(
      /the docs agent failed: docs agent \(command\) was stopped: .*nothing was committed/,
    );
    expect(git(r.dir, 'rev-parse', 'jidoka/docs-2025-01-02')).toBe(r.head);
    expect(existsSync(join(r.dir, '.jidoka', 'state', 'docs.json'))).toBe(false);
  });

  it('--dry-run says what would be updated and why, and changes nothing', async () => {
    const r = repo();
    goodAgent(r);
    const status = git(r.dir, 'status', '--porcelain', '--ignored');
    const result = await syncDocs({ root: r.dir, config: configOf(r.dir), now: NOW, dryRun: true });
    expect(result.status).toBe('dry-run');
    expect(result.message).toContain(
      'would update wiki/20_SYSTEM/agents.md: its sources changed after its verified commit',
    );
    expect(result.message).toContain('would ask for a page covering src/loops/');
    expect(result.message).toMatch(/4 commit\(s\) since the start/);
    expect(git(r.dir, 'status', '--porcelain', '--ignored')).toBe(status);
    expect(git(r.dir, 'branch', '--list', 'jidoka/*')).toBe('');
    expect(existsSync(`${r.script}.calls.json`)).toBe(false);
  });

  it('reads the last sync from log.md when .jidoka/ state is gone', async () => {
    const r = repo('main');
    goodAgent(r);
    await syncDocs({ root: r.dir, config: configOf(r.dir), now: NOW });
    write(r.dir, 'src/agents/run.ts', 'export function run() { return 3; }\n');
    const next = commitAll(r.dir, 'agents: three');
    git(r.dir, 'clean', '-fdxq', '.jidoka');
    const dry = await syncDocs({ root: r.dir, config: configOf(r.dir), now: NOW, dryRun: true });
    expect(dry.since).toBe(r.head);
    expect(dry.commits.map((c) => c.sha)).toEqual([git(r.dir, 'rev-parse', 'HEAD~1'), next]);
    expect(dry.stale).toEqual(['wiki/20_SYSTEM/agents.md']);
  });
});

function readdir(dir: string): string[] {
  return readdirSync(join(dir, '.jidoka', 'runs')).sort();
}

describe('docs sync spend', () => {
  it("counts the docs agent's spend once in the ledger, and so in `jidoka status`, also when it failed", async () => {
    const r = repo();
    const spent = { usage: { inputTokens: 1200, outputTokens: 34, costUsd: 0.25 } };
    writeFileSync(r.script, JSON.stringify({ docs: [[{ report: spent }, { exit: 3 }]] }));
    await expect(syncDocs({ root: r.dir, config: configOf(r.dir), now: NOW })).resolves.toMatchObject({
      status: 'agent-failed',
    });
    const entries = readLedger(r.dir).filter((e) => e.event === 'docs.agent');
    expect(entries).toMatchObject([{ outcome: 'failed', costUsd: 0.25, tokens: 1234 }]);
    const status = collectStatus(r.dir, configOf(r.dir));
    expect(status.spend).toMatchObject({ todayUsd: 0.25, todayTokens: 1234 });
  });
});
