import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_REPORT_BYTES, readCheckerVerdict, readGoalVerdict } from '../../src/agents/verdict.js';

function report(text?: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'jidoka-verdict-')), 'report.json');
  if (text !== undefined) writeFileSync(file, text);
  return file;
}

describe('readCheckerVerdict', () => {
  it('reads approve and reject with reasons', () => {
    expect(readCheckerVerdict(report('{"decision":"approve","reasons":["ok"]}'))).toEqual({
      ok: true,
      decision: 'approve',
      reasons: ['ok'],
    });
    expect(readCheckerVerdict(report('{"decision":"reject","reasons":["a","b"]}'))).toEqual({
      ok: true,
      decision: 'reject',
      reasons: ['a', 'b'],
    });
    expect(readCheckerVerdict(report('{"decision":"approve"}'))).toEqual({
      ok: true,
      decision: 'approve',
      reasons: [],
    });
  });

  it.each([
    ['missing', undefined, /wrote no report file/],
    ['empty', '  \n', /report file is empty/],
    ['not JSON', 'approve', /not JSON/],
    ['an array', '["approve"]', /must be a JSON object/],
    [
      'unknown decision',
      '{"decision":"lgtm","reasons":[]}',
      /"decision" must be "approve" or "reject", got "lgtm"/,
    ],
    ['decision missing', '{"approved":true}', /"decision" must be/],
    ['reasons not strings', '{"decision":"reject","reasons":[1]}', /"reasons" must be a list of strings/],
  ])('%s is never an approval', (_name, text, why) => {
    const file = report(text);
    const v = readCheckerVerdict(file);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.error).toMatch(why);
      expect(v.error).toContain(file);
      expect(v.error).toContain('expected {"decision": "approve" | "reject"');
    }
  });
});

describe('readGoalVerdict', () => {
  it('reads met and evidence', () => {
    expect(readGoalVerdict(report('{"met":false,"evidence":["no header row"]}'))).toEqual({
      ok: true,
      met: false,
      evidence: ['no header row'],
    });
    expect(readGoalVerdict(report('{"met":true}'))).toEqual({ ok: true, met: true, evidence: [] });
  });

  it.each([
    ['missing', undefined, /wrote no report file/],
    ['met as a string', '{"met":"true"}', /"met" must be true or false, got "true"/],
    ['a checker verdict', '{"decision":"approve"}', /"met" must be true or false/],
    ['evidence not a list', '{"met":true,"evidence":"trust me"}', /"evidence" must be a list of strings/],
  ])('%s is not a verdict', (_name, text, why) => {
    const v = readGoalVerdict(report(text));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(why);
  });
});

describe('a verdict is read only from a regular file of the documented shape', () => {
  const approve = '{"decision":"approve","reasons":["ok"]}';

  it.each([
    [
      'a duplicate key (JSON.parse would keep the last)',
      '{"decision":"reject","decision":"approve"}',
      /key "decision" appears twice/,
    ],
    [
      'a duplicate key spelled with an escape',
      '{"decision":"reject","reasons":[],"\\u0064ecision":"approve"}',
      /"decision" appears twice/,
    ],
    [
      'a duplicate key inside usage',
      '{"decision":"approve","reasons":[],"usage":{"costUsd":1,"costUsd":0}}',
      /"usage\.costUsd" appears twice/,
    ],
    ['an unknown key', '{"decision":"approve","reasons":[],"override":true}', /unexpected key "override"/],
    ['the decision in another case', '{"decision":"Approve","reasons":[]}', /got "Approve"/],
    ['reasons as a string', '{"decision":"approve","reasons":"fine"}', /"reasons" must be a list of strings/],
    ['usage not an object', '{"decision":"approve","reasons":[],"usage":3}', /"usage" must be an object/],
    [
      'an unknown usage key',
      '{"decision":"approve","reasons":[],"usage":{"free":true}}',
      /unexpected key "usage\.free"/,
    ],
    [
      'a negative cost',
      '{"decision":"approve","reasons":[],"usage":{"costUsd":-1}}',
      /"usage\.costUsd" must be a number >= 0/,
    ],
  ])('%s is malformed', (_name, text, why) => {
    const v = readCheckerVerdict(report(text));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(why);
  });

  it('the documented usage object and nested values with equal keys in different objects are fine', () => {
    const text =
      '{"decision":"approve","reasons":["a"],"usage":{"costUsd":0.1,"inputTokens":10,"outputTokens":2}}';
    expect(readCheckerVerdict(report(text))).toEqual({ ok: true, decision: 'approve', reasons: ['a'] });
    expect(readGoalVerdict(report('{"met":true,"evidence":["{\\"met\\":false}"]}'))).toMatchObject({
      ok: true,
    });
  });

  it('a goal verdict with the checker keys mixed in is malformed', () => {
    const v = readGoalVerdict(report('{"met":true,"evidence":[],"decision":"approve"}'));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(/unexpected key "decision"/);
  });

  it('a symlink is never read, even to a valid verdict', () => {
    const target = report(approve);
    const link = join(mkdtempSync(join(tmpdir(), 'jidoka-verdict-')), 'report.json');
    symlinkSync(target, link);
    const v = readCheckerVerdict(link);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(/is a symlink/);
    const toPasswd = join(mkdtempSync(join(tmpdir(), 'jidoka-verdict-')), 'report.json');
    symlinkSync('/etc/passwd', toPasswd);
    expect(readCheckerVerdict(toPasswd).ok).toBe(false);
  });

  it('a hard link to another file is not a report', () => {
    const target = report(approve);
    const dir = mkdtempSync(join(tmpdir(), 'jidoka-verdict-'));
    linkSync(target, join(dir, 'report.json'));
    const v = readCheckerVerdict(join(dir, 'report.json'));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(/hard link/);
  });

  it('a directory or a FIFO is not a report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jidoka-verdict-'));
    mkdirSync(join(dir, 'report.json'));
    expect(readCheckerVerdict(join(dir, 'report.json')).ok).toBe(false);
    const fifoDir = mkdtempSync(join(tmpdir(), 'jidoka-verdict-'));
    execFileSync('mkfifo', [join(fifoDir, 'report.json')]);
    const v = readCheckerVerdict(join(fifoDir, 'report.json'));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(/not a regular file/);
  });

  it('over the size cap is malformed', () => {
    const big = `{"decision":"approve","reasons":["${'x'.repeat(MAX_REPORT_BYTES)}"]}`;
    const v = readCheckerVerdict(report(big));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(/over the 64 KiB cap/);
  });

  it('a report older than the step (its prompt.md) does not count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jidoka-verdict-'));
    writeFileSync(join(dir, 'report.json'), approve);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(dir, 'prompt.md'), 'the prompt');
    const v = readCheckerVerdict(join(dir, 'report.json'));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(/predates this step/);
    // Written after the prompt: counts.
    rmSync(join(dir, 'report.json'));
    writeFileSync(join(dir, 'report.json'), approve);
    expect(readCheckerVerdict(join(dir, 'report.json')).ok).toBe(true);
  });
});
