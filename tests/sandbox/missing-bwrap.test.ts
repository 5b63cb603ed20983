/**
 * Without bwrap a sandboxed step does not run at all: it fails at once with
 * the fix, and nothing starts unsandboxed behind the user's back. (Its own
 * file: whether bwrap works is asked once per process.)
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAgent } from '../../src/agents/run-agent.js';
import { assertSandboxReady } from '../../src/sandbox/bwrap.js';

const savedPath = process.env.PATH;
afterAll(() => {
  process.env.PATH = savedPath;
});

describe('bwrap missing', () => {
  it('fails the step with a clear message; mode none still runs, recorded as unsandboxed', async () => {
    process.env.PATH = mkdtempSync(join(tmpdir(), 'jidoka-nobwrap-'));
    expect(() => assertSandboxReady('bwrap')).toThrow(
      /the sandbox is not ready: bwrap \(bubblewrap\) is not installed/,
    );
    expect(() => assertSandboxReady('none')).not.toThrow();

    const dir = mkdtempSync(join(tmpdir(), 'jidoka-nobwrap-step-'));
    mkdirSync(join(dir, 'wt'));
    const req = (mode: 'bwrap' | 'none', step: string) => ({
      role: 'maker' as const,
      agent: {
        adapter: 'command' as const,
        command: [process.execPath, '-e', 'require("fs").writeFileSync("ran.txt", "yes")'],
        args: [],
        env: {},
        sandbox: { mode, writable: [] },
      },
      prompt: 'p',
      cwd: join(dir, 'wt'),
      stepDir: join(dir, step),
      timeoutMs: 10_000,
    });
    const boxed = await runAgent(req('bwrap', 's1'));
    expect(boxed.failure).toMatch(
      /did not start: the sandbox is not ready: .*install bubblewrap.*mode: none/,
    );
    expect(boxed.sandboxed).toBe(false);

    const open = await runAgent(req('none', 's2'));
    expect(open.failure).toBeUndefined();
    expect(open.sandboxed).toBe(false);
  });
});
