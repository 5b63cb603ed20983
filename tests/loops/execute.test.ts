import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approve, met, reject, setupLine, twoChunkPlan, write } from '../support/line.js';
import { alive } from '../support/process.js';
import { CLI, git, runCli } from '../support/repo.js';

const A = write('src/a.js', 'module.exports = "a";\n');
const B = write('src/b.js', 'module.exports = "b";\n');

function chunkCommits(root: string, range: string): string[] {
  return git(root, 'log', '--reverse', '--format=%s', range).split('\n').filter(Boolean);
}

describe('execution loop, end to end with scripted agents', () => {
  // The merge runs the checks on the merged tree (the merge queue's step) as well.
  it('takes a two-chunk plan from proposed to approved to done to merged', { timeout: 90_000 }, () => {
    const { root, planId } = setupLine({
      script: {
        maker: [[A], [B]],
        checker: [[approve('a ok')], [approve('b ok')]],
        goal: [[met('both load')]],
      },
    });
    const before = git(root, 'rev-parse', 'main');

    const refused = runCli(root, ['run', planId]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /plan two-chunks is proposed; only approved plans run[\s\S]*jidoka plan approve two-chunks/,
    );

    expect(runCli(root, ['plan', 'approve', planId]).code).toBe(0);
    const r = runCli(root, ['run', planId]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/plan two-chunks is done: 2 chunk\(s\) committed on jidoka\/two-chunks/);
    expect(readFileSync(join(root, 'plans', `${planId}.md`), 'utf8')).toContain('status: done');
    expect(git(root, 'rev-parse', 'main')).toBe(before);
    expect(chunkCommits(root, `main..jidoka/${planId}`)).toEqual([
      'jidoka(two-chunks): chunk 1/2: Module a',
      'jidoka(two-chunks): chunk 2/2: Module b',
    ]);
    const body = git(root, 'log', '-1', '--format=%B', `jidoka/${planId}`);
    expect(body).toMatch(/Jidoka-Plan: two-chunks\nJidoka-Chunk: 2\nJidoka-Attempt: 1\nJidoka-Run: /);

    const review = runCli(root, ['review', planId]);
    expect(review.code).toBe(0);
    expect(review.stdout).toContain('verdict approve: a ok');
    expect(review.stdout).toContain('src/b.js');

    const m = runCli(root, ['merge', planId]);
    expect(m.code, m.stderr).toBe(0);
    expect(chunkCommits(root, `${before}..main`)).toEqual([
      'jidoka(two-chunks): chunk 1/2: Module a',
      'jidoka(two-chunks): chunk 2/2: Module b',
      'Merge jidoka/two-chunks: Add two modules',
    ]);
    expect(readFileSync(join(root, 'src/b.js'), 'utf8')).toBe('module.exports = "b";\n');
    expect(existsSync(join(root, '.jidoka/worktrees', planId))).toBe(false);
    expect(git(root, 'branch', '--list', `jidoka/${planId}`)).toContain(`jidoka/${planId}`);

    const runDir = readFileSync(join(root, '.jidoka/ledger.jsonl'), 'utf8');
    expect(runDir).toMatch(/"event":"run.finished".*"outcome":"done"/);
    expect(runDir).toMatch(/"event":"plan.merged"/);
  });

  it('retries after a checker rejection, giving the maker the reasons', () => {
    const { root, planId, scriptFile } = setupLine({
      script: {
        maker: [
          [write('src/a.js', 'module.exports = "A";\n')],
          [A, { sh: 'cat "$JIDOKA_PROMPT_FILE" > "{scriptDir}/prompt-seen.md"' }],
          [B],
        ],
        checker: [[reject('a.js must export lowercase "a"')], [approve()], [approve()]],
        goal: [[met()]],
      },
    });
    runCli(root, ['plan', 'approve', planId]);
    const r = runCli(root, ['run', planId]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const promptSeen = readFileSync(join(dirname(scriptFile), 'prompt-seen.md'), 'utf8');
    expect(promptSeen).toContain('a.js must export lowercase "a"');
    const body = git(root, 'log', '-1', '--format=%B', `jidoka/${planId}~1`);
    expect(body).toContain('Jidoka-Attempt: 2');
    expect(git(root, 'show', `jidoka/${planId}:src/a.js`)).toBe('module.exports = "a";');
    const review = JSON.parse(runCli(root, ['review', planId, '--json']).stdout);
    expect(review.chunks[0].attempts.map((a: { outcome: string }) => a.outcome)).toEqual([
      'rejected',
      'accepted',
    ]);
  });

  it('counts a malformed checker report as a failure, never as approval', () => {
    const { root, planId } = setupLine({
      script: {
        maker: [[A], [A], [B]],
        checker: [[{ reportRaw: 'LGTM, ship it' }], [approve()], [approve()]],
        goal: [[met()]],
      },
    });
    runCli(root, ['plan', 'approve', planId]);
    expect(runCli(root, ['run', planId]).code).toBe(0);
    const review = JSON.parse(runCli(root, ['review', planId, '--json']).stdout);
    const first = review.chunks[0].attempts[0];
    expect(first.outcome).toBe('failed');
    expect(first.reasons.join()).toMatch(/checker's report is unusable/);
    expect(review.chunks[0].attempts[1].outcome).toBe('accepted');
  });

  it('fails the plan after three failed attempts, stops the line, and keeps the work', () => {
    const { root, planId } = setupLine({
      script: {
        maker: [[write('src/a.js', 'nope {call}\n')]],
        checker: [[reject('still wrong {call}')]],
        goal: [[met()]],
      },
      roles: ['maker', 'checker', 'goal'],
    });
    runCli(root, ['plan', 'approve', planId]);
    const r = runCli(root, ['run', planId]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/plan two-chunks failed/);
    expect(readFileSync(join(root, 'plans', `${planId}.md`), 'utf8')).toContain('status: failed');
    const status = JSON.parse(runCli(root, ['andon', 'list', '--json']).stdout);
    expect(status.incidents.length).toBeGreaterThan(0);
    // Nothing the maker wrote is lost: the worktree still has it.
    expect(readFileSync(join(root, '.jidoka/worktrees', planId, 'src/a.js'), 'utf8')).toBe('nope 3\n');
    // The line is stopped: nothing else runs.
    const again = runCli(root, ['run', planId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/stopped/);
  });

  it('resumes after kill -9 mid-chunk and finishes with no duplicate commits', async () => {
    const { root, planId, scriptFile } = setupLine({
      script: {
        maker: [
          [
            A,
            { report: { usage: { costUsd: 0.25, inputTokens: 100, outputTokens: 20 } } },
            { stdout: 'chunk 1 done\n' },
          ],
          [write('src/b.js', 'partial'), { stdout: 'started\n' }, { hang: true }],
          [B],
        ],
        checker: [[approve()], [approve()]],
        goal: [[met()]],
      },
    });
    runCli(root, ['plan', 'approve', planId]);
    const child = spawn(process.execPath, [CLI, 'run', planId], {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, JIDOKA_LOG_LEVEL: 'silent' },
    });
    // Wait until the maker for chunk 2 is hanging.
    const calls = () =>
      existsSync(`${scriptFile}.calls.json`)
        ? JSON.parse(readFileSync(`${scriptFile}.calls.json`, 'utf8'))
        : {};
    for (
      let i = 0;
      i < 200 && !(calls().maker >= 2 && existsSync(join(root, '.jidoka/worktrees', planId, 'src/b.js')));
      i++
    )
      await sleep(100);
    expect(calls().maker).toBe(2);
    const state = JSON.parse(readFileSync(join(root, '.jidoka/state/plans', `${planId}.json`), 'utf8'));
    expect(state).toMatchObject({ chunk: 2, attempt: 1, step: 'maker' });
    const hungAgent = state.activePid as number;
    expect(alive(hungAgent)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const r = runCli(root, ['run', planId]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(alive(hungAgent)).toBe(false);
    expect(chunkCommits(root, `main..jidoka/${planId}`)).toEqual([
      'jidoka(two-chunks): chunk 1/2: Module a',
      'jidoka(two-chunks): chunk 2/2: Module b',
    ]);
    const after = JSON.parse(readFileSync(join(root, '.jidoka/state/plans', `${planId}.json`), 'utf8'));
    expect(after.status).toBe('done');
    expect(
      after.attempts
        .filter((a: { chunk: number }) => a.chunk === 2)
        .map((a: { attempt: number; outcome: string }) => [a.attempt, a.outcome]),
    ).toEqual([[1, 'accepted']]);
    // The killed run never wrote its run.finished: the resumed run closes it, so the day's spend
    // (the daily budget) still counts what its steps spent.
    const ledger = readFileSync(join(root, '.jidoka/ledger.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const finished = ledger.filter((e) => e.event === 'run.finished');
    expect(finished.map((e) => e.outcome)).toEqual(['interrupted', expect.any(String)]);
    expect(finished[0]).toMatchObject({ run: after.runIds[0], costUsd: 0.25, tokens: 120 });
    expect(JSON.parse(runCli(root, ['status', '--json']).stdout).spend.todayUsd).toBeCloseTo(0.25);
  });

  it('does not commit a chunk twice when a crash came between commit and checkpoint', () => {
    const { root, planId, scriptFile } = setupLine({
      script: { maker: [[A], [B]], checker: [[approve()]], goal: [[met()]] },
    });
    runCli(root, ['plan', 'approve', planId]);
    expect(runCli(root, ['run', planId]).code).toBe(0);
    // Rewind the checkpoint to "chunk 2 committing" as if the process died right after git commit.
    const file = join(root, '.jidoka/state/plans', `${planId}.json`);
    const state = JSON.parse(readFileSync(file, 'utf8'));
    const chunk1 = git(root, 'rev-parse', `jidoka/${planId}~1`);
    Object.assign(state, { status: 'running', chunk: 2, attempt: 1, step: 'commit', chunkStartSha: chunk1 });
    writeFileSync(file, JSON.stringify(state));
    writeFileSync(
      join(root, 'plans', `${planId}.md`),
      twoChunkPlan(planId).replace('status: proposed', 'status: active'),
    );
    writeFileSync(`${scriptFile}.calls.json`, '{}');
    const r = runCli(root, ['run', planId]);
    expect(r.code, r.stderr).toBe(0);
    expect(chunkCommits(root, `main..jidoka/${planId}`)).toHaveLength(2);
    expect(JSON.parse(readFileSync(`${scriptFile}.calls.json`, 'utf8')).maker).toBeUndefined();
  });

  it('refuses a repository with no commits, and an invalid plan, saying why', () => {
    const { root, planId } = setupLine({
      script: {},
      plan: twoChunkPlan('two-chunks').replace('risk: low', 'risk: wild'),
    });
    const r = runCli(root, ['run', planId]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/plans\/two-chunks.md:5: risk/);
    expect(readFileSync(join(root, 'plans', `${planId}.md`), 'utf8')).toContain('status: invalid');
    const fresh = mkdtempSync(join(tmpdir(), 'jidoka-empty-'));
    git(fresh, 'init', '-q', '-b', 'main');
    cpSync(join(root, 'jidoka.yaml'), join(fresh, 'jidoka.yaml'));
    cpSync(join(root, 'plans'), join(fresh, 'plans'), { recursive: true });
    writeFileSync(
      join(fresh, 'plans', `${planId}.md`),
      twoChunkPlan(planId).replace('status: proposed', 'status: approved'),
    );
    const empty = runCli(fresh, ['run', planId]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/no commits yet/);
  });
});

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
