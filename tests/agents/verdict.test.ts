import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckerVerdict, readGoalVerdict } from '../../src/agents/verdict.js';

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
