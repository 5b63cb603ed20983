import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { surveyPlans } from '../../src/daemon/next-plan.js';
import { recordApproval } from '../../src/plans/approval.js';
import { makeRepo, writeFiles } from '../support/repo.js';
import { oneChunkPlan } from './daemon-process.js';

function plan(id: string, status: string, created: string): string {
  return oneChunkPlan(id, status).replace('created: 2026-11-21', `created: ${created}`);
}

describe('surveyPlans (which plan the daemon starts next)', () => {
  it('resumes interrupted plans first, then approved ones by created date; skips unapproved and held plans', () => {
    const root = makeRepo();
    writeFiles(root, {
      'plans/a-new.md': plan('a-new', 'approved', '2026-02-01'),
      'plans/b-old.md': plan('b-old', 'approved', '2026-01-01'),
      'plans/c-active.md': plan('c-active', 'active', '2026-03-01'),
      'plans/d-claims.md': plan('d-claims', 'approved', '2025-01-01'),
      'plans/e-held.md': plan('e-held', 'approved', '2025-01-01'),
      'plans/f-stopped.md': plan('f-stopped', 'active', '2025-01-01'),
      'plans/g-proposed.md': plan('g-proposed', 'proposed', '2025-01-01'),
    });
    for (const id of ['a-new', 'b-old', 'c-active', 'e-held', 'f-stopped'])
      recordApproval(root, id, join(root, 'plans', `${id}.md`), 'Test User');
    const states = join(root, '.jidoka/state/plans');
    mkdirSync(states, { recursive: true });
    writeFileSync(join(states, 'c-active.json'), JSON.stringify({ plan: 'c-active', status: 'running' }));
    writeFileSync(join(states, 'f-stopped.json'), JSON.stringify({ plan: 'f-stopped', status: 'stopped' }));
    writeFileSync(
      join(states, 'e-held.lock'),
      JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: '', purpose: 'jidoka run e-held' }),
    );

    const survey = surveyPlans(root, 10);
    expect(survey.ready).toEqual([
      { id: 'c-active', resumable: true },
      { id: 'b-old', resumable: false },
      { id: 'a-new', resumable: false },
    ]);
    expect(survey.unapproved.map((u) => u.id)).toEqual(['d-claims']);
    expect(survey.held).toEqual([{ id: 'e-held', pid: process.pid }]);
  });
});
