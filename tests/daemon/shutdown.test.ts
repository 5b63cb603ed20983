import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { approve, met, setupLine, write } from '../support/line.js';
import { pidsWith } from '../support/process.js';
import { git, PROJECT_ROOT, runCli } from '../support/repo.js';
import {
  agentCalls,
  alive,
  type DaemonProcess,
  killDaemon,
  oneChunkPlan,
  planState,
  planStatus,
  spawnDaemon,
  waitFor,
} from './daemon-process.js';

let daemons: DaemonProcess[] = [];
let hung: number[] = [];
afterEach(async () => {
  for (const d of daemons) await killDaemon(d);
  for (const pid of hung)
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  daemons = [];
  hung = [];
});

const A = write('src/a.js', 'module.exports = "a";\n');
const B = write('src/b.js', 'module.exports = "b";\n');

interface Attempt {
  chunk: number;
  attempt: number;
  outcome: string;
}

/** Wait until the maker of `chunk` is hanging in its worktree; returns its pid. */
async function hangingMaker(
  d: DaemonProcess,
  root: string,
  scriptFile: string,
  planId: string,
  chunk: number,
  makerCall: number,
  file: string,
): Promise<number> {
  await waitFor(
    () => {
      const s = planState(root, planId);
      return (
        agentCalls(scriptFile).maker === makerCall &&
        s?.chunk === chunk &&
        s?.step === 'maker' &&
        typeof s.activePid === 'number' &&
        existsSync(join(root, '.jidoka/worktrees', planId, file))
      );
    },
    90_000,
    `the maker of chunk ${chunk} to hang`,
    () => d.stderr(),
  );
  const pid = planState(root, planId)!.activePid as number;
  hung.push(pid);
  expect(alive(pid)).toBe(true);
  return pid;
}

describe('daemon shutdown and crash recovery', () => {
  it('SIGTERM: waits the grace period, kills the hung agent, exits 0; the next daemon resumes and finishes', {
    timeout: 150_000,
  }, async () => {
    const { root, scriptFile } = setupLine({
      script: {
        maker: [[write('src/a.js', 'partial'), { stdout: 'started\n' }, { hang: true }], [A]],
        checker: [[approve()]],
        goal: [[met()]],
      },
      plan: oneChunkPlan('slow', 'proposed'),
      planId: 'slow',
      extraConfig: { daemon: { gracePeriod: '2s' } },
    });
    expect(runCli(root, ['plan', 'approve', 'slow']).code).toBe(0);
    const first = spawnDaemon(root);
    daemons.push(first);
    const agent = await hangingMaker(first, root, scriptFile, 'slow', 1, 1, 'src/a.js');

    const sent = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const took = Date.now() - sent;
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(took).toBeLessThan(2000 + 10_000);
    expect(first.messages()).toContainEqual(
      expect.stringMatching(/did not finish within 2(\.0)?s; killing it/),
    );
    expect(alive(agent)).toBe(false);
    // Resumable: the plan is active, its checkpoint running at chunk 1 attempt 1, nothing committed.
    expect(planStatus(root, 'slow')).toBe('active');
    expect(planState(root, 'slow')).toMatchObject({ status: 'running', chunk: 1, attempt: 1 });
    expect(git(root, 'rev-list', '--count', 'main..jidoka/slow')).toBe('0');
    expect(existsSync(join(root, '.jidoka/daemon.lock'))).toBe(false);

    const second = spawnDaemon(root);
    daemons.push(second);
    await second.waitForLog(/^daemon: resume plan slow/);
    await waitFor(() => planStatus(root, 'slow') === 'done', 90_000, 'plan slow to finish', second.stderr);
    expect(git(root, 'log', '--format=%s', 'main..jidoka/slow')).toBe('jidoka(slow): chunk 1/1: Module a');
    expect(git(root, 'show', 'jidoka/slow:src/a.js')).toBe('module.exports = "a";');
    const attempts = planState(root, 'slow')!.attempts as Attempt[];
    // The interruption did not use up an attempt: the resumed one is still attempt 1. The met goal
    // check is recorded after it, as attempt 1 of the goal (chunk 2 of a one-chunk plan).
    expect(attempts.filter((a) => a.outcome === 'accepted').map((a) => [a.chunk, a.attempt])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(agentCalls(scriptFile).maker).toBe(2);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('SIGTERM: a step that finishes within the grace period is kept, and the plan stops between chunks', {
    timeout: 150_000,
  }, async () => {
    const { root, scriptFile, planId } = setupLine({
      script: {
        maker: [[{ sleep: 2500 }, A], [B]],
        checker: [[approve()], [approve()]],
        goal: [[met()]],
      },
      extraConfig: { daemon: { gracePeriod: '60s' } },
    });
    expect(runCli(root, ['plan', 'approve', planId]).code).toBe(0);
    const d = spawnDaemon(root);
    daemons.push(d);
    await waitFor(
      () => agentCalls(scriptFile).maker === 1 && planState(root, planId)?.step === 'maker',
      90_000,
      'the first maker to start',
      d.stderr,
    );
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    expect(d.messages().some((m) => /did not finish/.test(m))).toBe(false);
    expect(d.messages()).toContainEqual(expect.stringMatching(/stopped between steps at chunk 2, attempt 1/));
    // The maker's work was checked and committed; chunk 2 never started.
    expect(git(root, 'log', '--format=%s', `main..jidoka/${planId}`)).toBe(
      'jidoka(two-chunks): chunk 1/2: Module a',
    );
    expect(agentCalls(scriptFile)).toMatchObject({ maker: 1, checker: 1 });
    expect(planState(root, planId)).toMatchObject({ status: 'running', chunk: 2, attempt: 1 });
    expect(planStatus(root, planId)).toBe('active');
  });

  it('a second signal during the grace period kills the running step at once', {
    timeout: 120_000,
  }, async () => {
    const { root, scriptFile } = setupLine({
      script: { maker: [[{ stdout: 'started\n' }, write('src/a.js', 'partial'), { hang: true }]] },
      plan: oneChunkPlan('stuck', 'proposed'),
      planId: 'stuck',
      extraConfig: { daemon: { gracePeriod: '10m' } },
    });
    expect(runCli(root, ['plan', 'approve', 'stuck']).code).toBe(0);
    const d = spawnDaemon(root);
    daemons.push(d);
    const agent = await hangingMaker(d, root, scriptFile, 'stuck', 1, 1, 'src/a.js');
    d.child.kill('SIGTERM');
    await d.waitForLog(/^daemon: SIGTERM; taking no new work$/);
    const sent = Date.now();
    d.child.kill('SIGINT');
    expect(await d.exited).toBe(0);
    expect(Date.now() - sent).toBeLessThan(15_000);
    expect(d.messages()).toContainEqual(
      'daemon: SIGINT again; killing the running step now (it resumes on the next start)',
    );
    expect(alive(agent)).toBe(false);
    expect(planState(root, 'stuck')).toMatchObject({ status: 'running', chunk: 1, attempt: 1 });
  });

  it('SIGTERM while the docs agent hangs: the grace period stops it, the daemon exits 0', {
    timeout: 120_000,
  }, async () => {
    const template = (f: string) => readFileSync(join(PROJECT_ROOT, 'templates', 'wiki', f), 'utf8');
    const { root, scriptFile } = setupLine({
      script: {},
      files: {
        'wiki/00_SCHEMA.md': template('00_SCHEMA.md'),
        'wiki/log.md': template('log.md'),
        'wiki/index.md': '# Index\n',
        'src/a.js': 'module.exports = "a";\n',
      },
      limits: { agentTimeout: '10m' },
      extraConfig: { daemon: { gracePeriod: '2s' }, schedule: { audit: '', docs: '' } },
    });
    const pidFile = `${scriptFile}.docs-pid`;
    // The docs agent says it started, then never exits; its own timeout (10 min) is far off.
    writeFileSync(
      scriptFile,
      JSON.stringify({ docs: [[{ sh: `echo $PPID > "${pidFile}"` }, { hang: true }]] }),
    );
    const d = spawnDaemon(root);
    daemons.push(d);
    await d.waitForLog(/^daemon: watching /);
    // A merge lands on main: the docs loop starts, and its agent hangs on src/a.js, which no page covers.
    writeFileSync(join(root, 'README.md'), '# demo, merged\n');
    git(root, 'commit', '-q', '-am', 'a merge lands on main');
    await d.waitForLog(/^daemon: docs sync \(main moved\)$/);
    await waitFor(
      () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '',
      60_000,
      'the docs agent to start',
      d.stderr,
    );
    // Inside the sandbox's PID namespace $PPID is not the host's pid: find the agent by its script path.
    const agents = pidsWith(scriptFile).filter(alive);
    hung.push(...agents);
    expect(agents.length).toBeGreaterThan(0);
    expect(agentCalls(scriptFile).docs).toBe(1);

    const sent = Date.now();
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    const took = Date.now() - sent;
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(took).toBeLessThan(2000 + 10_000);
    expect(d.messages()).toContainEqual(expect.stringMatching(/did not finish within 2(\.0)?s; killing it/));
    expect(d.messages()).toContainEqual(
      expect.stringMatching(
        /^docs: the docs agent failed: docs agent \(command\) was stopped: .*nothing was committed/,
      ),
    );
    for (const pid of agents) expect(alive(pid), `pid ${pid}`).toBe(false);
    expect(existsSync(join(root, '.jidoka/state/docs.json'))).toBe(false);
    expect(existsSync(join(root, '.jidoka/daemon.lock'))).toBe(false);
  });

  it('kill -9 mid-chunk (sandbox.mode none): the next daemon takes the stale lock, kills the orphaned agent, resumes with the attempt count kept', {
    timeout: 150_000,
  }, async () => {
    const { root, scriptFile, planId } = setupLine({
      script: {
        maker: [[A], [write('src/b.js', 'partial'), { stdout: 'started\n' }, { hang: true }], [B]],
        checker: [[approve()], [approve()]],
        goal: [[met()]],
      },
      // Unsandboxed the agent outlives the daemon: what the next daemon must clean up.
      extraConfig: { sandbox: { mode: 'none' } },
    });
    expect(runCli(root, ['plan', 'approve', planId]).code).toBe(0);
    const first = spawnDaemon(root);
    daemons.push(first);
    const agent = await hangingMaker(first, root, scriptFile, planId, 2, 2, 'src/b.js');

    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    // The agent runs in its own process group: it outlives the daemon, and the lock stays behind.
    expect(alive(agent)).toBe(true);
    expect(JSON.parse(readFileSync(join(root, '.jidoka/daemon.lock'), 'utf8')).pid).toBe(first.pid);

    const second = spawnDaemon(root);
    daemons.push(second);
    expect(await second.waitForLog(/took over the stale lock/)).toContain(`pid ${first.pid}`);
    await second.waitForLog(/^daemon: resume plan two-chunks/);
    await waitFor(() => planStatus(root, planId) === 'done', 90_000, 'the plan to finish', second.stderr);
    expect(alive(agent)).toBe(false);
    expect(git(root, 'log', '--reverse', '--format=%s', `main..jidoka/${planId}`).split('\n')).toEqual([
      'jidoka(two-chunks): chunk 1/2: Module a',
      'jidoka(two-chunks): chunk 2/2: Module b',
    ]);
    const attempts = planState(root, planId)!.attempts as Attempt[];
    expect(attempts.filter((a) => a.chunk === 2).map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'accepted'],
    ]);
    expect(agentCalls(scriptFile).maker).toBe(3);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(existsSync(join(root, '.jidoka/daemon.lock'))).toBe(false);
  });

  it('kill -9 mid-chunk (sandboxed): the agent dies with the daemon, bwrap --die-with-parent', {
    timeout: 120_000,
  }, async () => {
    const { root, scriptFile, planId } = setupLine({
      script: {
        maker: [[A], [write('src/b.js', 'partial'), { stdout: 'started\n' }, { hang: true }], [B]],
        checker: [[approve()], [approve()]],
        goal: [[met()]],
      },
    });
    expect(runCli(root, ['plan', 'approve', planId]).code).toBe(0);
    const first = spawnDaemon(root);
    daemons.push(first);
    const agent = await hangingMaker(first, root, scriptFile, planId, 2, 2, 'src/b.js');
    expect(alive(agent)).toBe(true);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    await waitFor(() => !alive(agent), 10_000, 'the sandboxed agent to die with the daemon');
  });
});
