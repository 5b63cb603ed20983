import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { checkSandbox } from '../../src/doctor/sandbox-check.js';

const agents =
  'agents:\n  maker: { adapter: claude, sandbox: { writable: [/opt/claude-state] } }\n  auditor: { adapter: claude }\n';
const noBwrap = () => mkdtempSync(join(tmpdir(), 'jidoka-nobwrap-'));

describe('doctor: sandbox', () => {
  it('bwrap works: ok, and says what each role can write', () => {
    const c = checkSandbox(parseConfig(agents));
    expect(c.status).toBe('ok');
    expect(c.message).toMatch(/^bwrap works \(.*bwrap\)/);
    expect(c.message).toContain('maker writes: <worktree>, <step dir>, /opt/claude-state');
    expect(c.message).toContain('auditor writes: <scratch checkout>, <step dir>, <plans staging>');
    expect(c.message).toContain('checks writes: <worktree>, <check temp dir>');
    expect(c.message).toContain('hooks writes: <worktree>, <hook temp dir>');
  });

  it('bwrap missing: fails with the install command and the way out', () => {
    const c = checkSandbox(parseConfig(agents), { path: noBwrap() });
    expect(c.status).toBe('fail');
    expect(c.message).toMatch(/bwrap \(bubblewrap\) is not installed/);
    expect(c.hint).toMatch(/apt-get install -y bubblewrap/);
    expect(c.hint).toMatch(/mode: none/);
  });

  it('mode none on purpose: a warning saying what it gives up, even without bwrap', () => {
    const c = checkSandbox(parseConfig(`${agents}sandbox: { mode: none }\n`), { path: noBwrap() });
    expect(c.status).toBe('warn');
    expect(c.message).toMatch(/sandbox\.mode is none: .*main checkout.*outlive its step/);
  });
});
