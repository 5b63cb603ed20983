import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildEnv, runProcess, startProcess } from '../../src/agents/runner.js';
import { alive } from '../support/process.js';

const FAKE = resolve('tests/support/fake-agent.mjs');
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'jidoka-runner-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  dirs.length = 0;
});

function fake(dir: string, steps: unknown[]) {
  const script = join(dir, 'script.json');
  writeFileSync(script, JSON.stringify({ maker: [steps] }));
  return { file: process.execPath, args: [FAKE, '--script', script] };
}

/** Gone entirely: process.kill(pid, 0) throws (waits for init to reap a zombie). */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const base = (dir: string) => ({
  cwd: dir,
  env: buildEnv({}, { tmpDir: dir }),
  timeoutMs: 10_000,
  maxOutputBytes: 1024 * 1024,
});

describe('runProcess', () => {
  it('runs a command, passes stdin, returns exit code and output', async () => {
    const dir = tmp();
    const r = await runProcess({
      ...base(dir),
      file: process.execPath,
      args: ['-e', 'process.stdin.pipe(process.stdout); process.stderr.write("err\\n")'],
      input: 'hello prompt',
    });
    expect(r.exitCode).toBe(0);
    expect(r.signal).toBeNull();
    expect(r.stdout).toBe('hello prompt');
    expect(r.stderr).toBe('err\n');
    expect(r.outputBytes).toBe('hello prompt'.length + 4);
    expect(r.timedOut).toBe(false);
    expect(r.truncated).toBe(false);
  });

  it('runs a shell command line in cwd with exactly the given environment', async () => {
    const dir = tmp();
    const r = await runProcess({
      ...base(dir),
      env: { PATH: process.env.PATH ?? '', ONLY: 'this' },
      file: 'pwd; env | sort; exit 3',
      args: [],
      shell: true,
    });
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain(dir);
    expect(r.stdout).toContain('ONLY=this');
    expect(r.stdout).not.toContain('HOME=');
  });

  it('reports a command that cannot start', async () => {
    const dir = tmp();
    const r = await runProcess({ ...base(dir), file: join(dir, 'no-such-agent'), args: [] });
    expect(r.exitCode).toBeNull();
    expect(r.spawnError).toMatch(/ENOENT/);
  });

  it('streams output to the log file as it arrives and tracks activity', async () => {
    const dir = tmp();
    const log = join(dir, 'deep', 'transcript.log');
    const h = startProcess({
      ...base(dir),
      ...fake(dir, [{ stdout: 'first\n' }, { sleep: 1500 }, { stderr: 'second\n' }]),
      logFile: log,
    });
    const t0 = h.lastActivityAt();
    let finished = false;
    void h.result.then(() => {
      finished = true;
    });
    // Poll: the first line must reach the log while the agent is still running.
    for (let i = 0; i < 100 && !existsSync(log); i++) await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 100 && readFileSync(log, 'utf8') === ''; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(log, 'utf8')).toBe('first\n');
    expect(finished).toBe(false);
    expect(h.lastActivityAt()).toBeGreaterThan(t0);
    const r = await h.result;
    expect(readFileSync(log, 'utf8')).toBe('first\nsecond\n');
    expect(r.exitCode).toBe(0);
  });

  it('kills a silent hung agent at its timeout, whole group, children included', async () => {
    const dir = tmp();
    const pidFile = join(dir, 'child.pid');
    const h = startProcess({
      ...base(dir),
      ...fake(dir, [{ spawnChild: true, pidFile }, { hang: true }]),
      timeoutMs: 600,
      killGraceMs: 300,
    });
    const r = await h.result;
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGTERM');
    expect(r.durationMs).toBeLessThan(3000);
    const child = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(child)).toBe(false);
    expect(alive(h.pid as number)).toBe(false);
    expect(await gone(child)).toBe(true);
  });

  it('escalates to SIGKILL when the agent ignores SIGTERM', async () => {
    const dir = tmp();
    const r = await runProcess({
      ...base(dir),
      file: process.execPath,
      args: ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => process.stdout.write("."), 50)'],
      timeoutMs: 400,
      killGraceMs: 300,
    });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(r.durationMs).toBeLessThan(2500);
    expect(r.stdout).toMatch(/\.+/);
  });

  it('kills children that outlive a leader that exited on its own', async () => {
    const dir = tmp();
    const pidFile = join(dir, 'child.pid');
    const r = await runProcess({ ...base(dir), ...fake(dir, [{ spawnChild: true, pidFile }, { exit: 0 }]) });
    expect(r.exitCode).toBe(0);
    const child = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(child)).toBe(false);
    expect(await gone(child)).toBe(true);
  });

  it('kills the group on an external abort and says why', async () => {
    const dir = tmp();
    const ac = new AbortController();
    const h = startProcess({
      ...base(dir),
      ...fake(dir, [{ hangPrinting: 50 }]),
      signal: ac.signal,
      killGraceMs: 500,
    });
    // Abort once the agent is visibly working (a fixed delay races node's start-up on a loaded machine).
    const started = Date.now();
    const poll = setInterval(() => {
      if (h.lastActivityAt() > started) {
        clearInterval(poll);
        ac.abort('no progress for 10m');
      }
    }, 20);
    const r = await h.result;
    clearInterval(poll);
    expect(r.aborted).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(r.abortReason).toBe('no progress for 10m');
    expect(r.stdout).toContain('working...');
  });

  it('handle.kill stops the run', async () => {
    const dir = tmp();
    const h = startProcess({ ...base(dir), ...fake(dir, [{ hang: true }]) });
    setTimeout(() => h.kill('daemon shutdown'), 200);
    const r = await h.result;
    expect(r.aborted).toBe(true);
    expect(r.abortReason).toBe('daemon shutdown');
    expect(r.durationMs).toBeLessThan(3000);
  });

  it('caps a flood of output in memory and on disk but counts every byte', async () => {
    const dir = tmp();
    const log = join(dir, 'transcript.log');
    const r = await runProcess({
      ...base(dir),
      ...fake(dir, [{ flood: 5_000_000 }, { stdout: 'THE END' }]),
      // 5 MB through a pipe can take seconds on a loaded machine; the cap, not the clock, is under test.
      timeoutMs: 60_000,
      maxOutputBytes: 100_000,
      logFile: log,
    });
    expect(r.exitCode).toBe(0);
    expect(r.truncated).toBe(true);
    expect(r.outputBytes).toBe(5_000_000 + 'THE END'.length);
    expect(r.stdout.length).toBeLessThan(110_000);
    expect(r.stdout.endsWith('THE END')).toBe(true);
    expect(r.stdout).toMatch(/bytes of output dropped/);
    const logged = readFileSync(log, 'utf8');
    expect(logged.length).toBeLessThan(110_000);
    expect(logged).toMatch(/output cap of 100000 bytes reached/);
    expect(logged.endsWith('THE END')).toBe(true);
  });
});

describe('buildEnv', () => {
  it("drops Jidoka's secrets and git location variables, keeps the toolchain, adds extras", () => {
    const env = buildEnv(
      { ANTHROPIC_API_KEY: 'given-explicitly' },
      {
        tmpDir: '/tmp/step',
        base: {
          PATH: '/usr/bin',
          HOME: '/home/u',
          LANG: 'C.UTF-8',
          JAVA_HOME: '/opt/java',
          ANTHROPIC_API_KEY: 'jidoka-own',
          OPENAI_API_KEY: 'x',
          GH_TOKEN: 'x',
          AWS_SECRET_ACCESS_KEY: 'x',
          MY_SERVICE_TOKEN: 'x',
          DB_PASSWORD: 'x',
          GIT_DIR: '/elsewhere/.git',
          JIDOKA_ROLE: 'maker',
          TERM: 'xterm-256color',
        },
      },
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/u',
      LANG: 'C.UTF-8',
      JAVA_HOME: '/opt/java',
      ANTHROPIC_API_KEY: 'given-explicitly',
      TERM: 'dumb',
      NO_COLOR: '1',
      TMPDIR: '/tmp/step',
      TMP: '/tmp/step',
      TEMP: '/tmp/step',
    });
  });
});
