import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { guardScope } from '../../src/andon/guards.js';
import { readIncident } from '../../src/andon/incident/files.js';
import { filledWhys } from '../../src/andon/incident/whys.js';
import { appendStandard, listStandards } from '../../src/andon/kaizen.js';
import { assertLineRunning, readLine } from '../../src/andon/line.js';
import { pullLine, resolveIncident } from '../../src/andon/resolve.js';
import { manualRetries, recordManualRetry } from '../../src/andon/retries.js';
import { stopLine } from '../../src/andon/stop.js';
import { andonSummary } from '../../src/andon/summary.js';
import { defaultConfig } from '../../src/config/schema.js';
import { JidokaError } from '../../src/core/errors.js';
import { parseFrontmatter } from '../../src/core/frontmatter.js';
import { type TempRepo, tempRepo } from '../git/fixture.js';
import { change, fillWhysText, limits } from './helpers.js';

const config = defaultConfig();
const finding = () =>
  guardScope(
    ['a', 'b', 'c', 'd', 'e'].map((n) => change(`lib/${n}.ts`)),
    ['src/**'],
    limits,
  )!;

async function refused(p: Promise<unknown>): Promise<JidokaError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof JidokaError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

const good = {
  rootCause: 'The plan scope omitted lib/, where the helpers live.',
  countermeasure: 'Plans list every directory a change may touch, including lib/.',
  level: 'L3',
};

describe('resolveIncident', () => {
  let repo: TempRepo;
  afterEach(() => repo?.cleanup());

  const open = async () => {
    const r = await stopLine({ root: repo.dir, config, finding: finding(), severity: 'red', plan: 'plan-a' });
    return r;
  };
  const fill = (file: string) => writeFileSync(file, fillWhysText(readFileSync(file, 'utf8')));

  it.each([
    ['', /--root-cause is required/],
    ['TODO', /"TODO" is a placeholder/],
    ['TBD.', /is a placeholder/],
    ['N/A', /is a placeholder/],
    ['todo: find out later', /is a placeholder/],
    ['<root cause>', /template text/],
    ['Root cause', /template text/],
    ['_Awaiting analysis._', /awaiting analysis/],
    ['bug', /too short/],
  ])('refuses the root cause %j', async (rootCause, message) => {
    repo = tempRepo();
    const r = await open();
    fill(r.incidentFile);
    const err = await refused(
      resolveIncident({ root: repo.dir, config, id: r.incidentId, ...good, rootCause }),
    );
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(message);
    expect(readLine(repo.dir).state).toBe('stopped');
  });

  it('refuses placeholder countermeasures and unknown levels', async () => {
    repo = tempRepo();
    const r = await open();
    fill(r.incidentFile);
    const id = r.incidentId;
    expect(
      (await refused(resolveIncident({ root: repo.dir, config, id, ...good, countermeasure: 'TBD' })))
        .message,
    ).toMatch(/--countermeasure is not a real answer/);
    expect(
      (await refused(resolveIncident({ root: repo.dir, config, id, ...good, level: 'L5' }))).message,
    ).toMatch(/--level L5 is not a prevention level/);
    expect(
      (await refused(resolveIncident({ root: repo.dir, config, id, ...good, level: undefined }))).message,
    ).toMatch(/needs --level/);
  });

  it('refuses while the Five Whys are not filled in (exit 1), naming what is missing', async () => {
    repo = tempRepo();
    const r = await open();
    const err = await refused(resolveIncident({ root: repo.dir, config, id: r.incidentId, ...good }));
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(
      /Five Whys .* 0 of at least 3 levels written \(Why 1 hypothesis: it is the "awaiting analysis" marker/,
    );
    expect(err.hint).toContain('wiki/90_LOG/incidents/');
    writeFileSync(r.incidentFile, fillWhysText(readFileSync(r.incidentFile, 'utf8'), 2));
    expect(
      (await refused(resolveIncident({ root: repo.dir, config, id: r.incidentId, ...good }))).message,
    ).toMatch(/2 of at least 3/);
  });

  it('resolves: records who, when, root cause and countermeasure, adds an L3 standard, restarts the line', async () => {
    repo = tempRepo();
    writeFileSync(join(repo.dir, 'agents.keep'), '');
    const r = await open();
    fill(r.incidentFile);
    expect(filledWhys(readIncident(repo.dir, r.incidentId).body)).toHaveLength(3);
    const res = await resolveIncident({ root: repo.dir, config, id: r.incidentId, ...good });
    expect(res.restarted).toBe(true);
    expect(res.standardAdded).toBe(true);
    expect(readLine(repo.dir).state).toBe('running');
    assertLineRunning(repo.dir, 'starts');

    const text = readFileSync(r.incidentFile, 'utf8');
    const fm = parseFrontmatter(text).data;
    expect(fm).toMatchObject({
      status: 'resolved',
      prevention_level: 'L3',
      countermeasure: good.countermeasure,
    });
    expect(String(fm.resolved_at)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(text).toContain(good.rootCause);
    expect(text).toContain(`| ${good.countermeasure} | L3 standard | \`agents/CONTEXT.md\`, Standards |`);
    expect(text).toMatch(/resolved by Dev Eloper <dev@example\.com> \(L3 standard\)\n$/);
    expect(text).not.toMatch(/_Awaiting analysis[.:]/);

    const context = readFileSync(join(repo.dir, 'agents', 'CONTEXT.md'), 'utf8');
    expect(context).toMatch(/^## Standards$/m);
    expect(context).toContain(`- ${good.countermeasure} — Kaizen from incident [${r.incidentId}]`);
    expect(andonSummary(repo.dir)).toMatchObject({
      line: { state: 'running' },
      incidents: { total: 1, open: 0, resolved: 1, byCategory: { scope_creep: 1 } },
      standardsAdded: 1,
    });

    expect(
      (await refused(resolveIncident({ root: repo.dir, config, id: r.incidentId, ...good }))).message,
    ).toMatch(/already resolved/);
  });

  it('keeps the line stopped while another red incident is open', async () => {
    repo = tempRepo();
    const a = await open();
    const b = await open();
    fill(a.incidentFile);
    fill(b.incidentFile);
    const first = await resolveIncident({ root: repo.dir, config, id: a.incidentId, ...good, level: 'L2' });
    expect(first.restarted).toBe(false);
    expect(first.standardAdded).toBe(false);
    expect(readLine(repo.dir)).toMatchObject({ state: 'stopped', incident: b.incidentId });
    expect(() => assertLineRunning(repo.dir, 'merges')).toThrow(b.incidentId);
    const second = await resolveIncident({ root: repo.dir, config, id: b.incidentId, ...good, level: 'L1' });
    expect(second.restarted).toBe(true);
    expect(readLine(repo.dir).state).toBe('running');
  });
});

describe('human-involved retries', () => {
  let repo: TempRepo;
  afterEach(() => repo?.cleanup());

  it('stops after 2 manual retries of the same failure and then needs a written hypothesis', async () => {
    repo = tempRepo();
    expect(recordManualRetry(repo.dir, 'plan-a', 'fp-1', 2)).toEqual({ count: 1 });
    expect(recordManualRetry(repo.dir, 'plan-a', 'fp-2', 2)).toEqual({ count: 1 }); // a different failure starts over
    expect(recordManualRetry(repo.dir, 'plan-a', 'fp-2', 2)).toEqual({ count: 2 });
    const third = recordManualRetry(repo.dir, 'plan-a', 'fp-2', 2);
    expect(third.finding).toMatchObject({
      breaker: 'human_retries',
      line: 'red',
      evidence: { manualRetries: 2 },
    });

    const stop = await stopLine({
      root: repo.dir,
      config,
      finding: third.finding!,
      severity: 'red',
      plan: 'plan-a',
    });
    writeFileSync(stop.incidentFile, fillWhysText(readFileSync(stop.incidentFile, 'utf8')));
    const err = await refused(
      resolveIncident({ root: repo.dir, config, id: stop.incidentId, ...good, level: 'L4' }),
    );
    expect(err.message).toMatch(/--hypothesis is required/);
    expect(err.hint).toMatch(/re-run by hand on the same failure more than 2 times/);
    expect(
      (
        await refused(
          resolveIncident({ root: repo.dir, config, id: stop.incidentId, ...good, hypothesis: 'TBD' }),
        )
      ).message,
    ).toMatch(/--hypothesis is not a real answer/);

    const hypothesis =
      'The fixture clock is in UTC while the code reads local time; pinning TZ will make the test pass.';
    await resolveIncident({ root: repo.dir, config, id: stop.incidentId, ...good, level: 'L4', hypothesis });
    expect(readFileSync(stop.incidentFile, 'utf8')).toContain(
      `**Hypothesis for the next attempt:** ${hypothesis}`,
    );
    expect(manualRetries(repo.dir, 'plan-a')).toBe(0);
    expect(readLine(repo.dir).state).toBe('running');
  });
});

describe('pullLine', () => {
  let repo: TempRepo;
  afterEach(() => repo?.cleanup());

  it('stops the line by hand with a real reason only', async () => {
    repo = tempRepo();
    expect((await refused(pullLine({ root: repo.dir, config, reason: 'TODO' }))).exitCode).toBe(2);
    expect(
      (
        await refused(
          pullLine({ root: repo.dir, config, reason: 'the maker is rewriting docs', category: 'oops' }),
        )
      ).message,
    ).toMatch(/--category oops is not a category/);
    const r = await pullLine({
      root: repo.dir,
      config,
      reason: 'the maker keeps rewriting the README',
      category: 'scope_creep',
    });
    expect(readIncident(repo.dir, r.incidentId)).toMatchObject({
      detector: 'manual',
      category: 'scope_creep',
      severity: 'red',
    });
    expect(readFileSync(r.incidentFile, 'utf8')).toContain(
      'Stopped by hand by Dev Eloper <dev@example.com>.',
    );
    expect(() => assertLineRunning(repo.dir, 'starts')).toThrow(
      /stopped by incident INC-\d{8}-\d{6}-manual \(scope_creep: the maker keeps/,
    );
  });
});

describe('appendStandard', () => {
  let repo: TempRepo;
  afterEach(() => repo?.cleanup());

  it('appends inside an existing Standards section, before the next section, once per incident', () => {
    repo = tempRepo({
      'agents/CONTEXT.md':
        '# Context\n\nState.\n\n## Standards\n\n- Existing rule.\n\n## Rules\n\n- Be kind.\n',
    });
    expect(
      appendStandard(repo.dir, {
        incident: 'INC-1',
        countermeasure: 'Run the linter before done.',
        date: '2026-01-02',
      }),
    ).toBe(true);
    expect(
      appendStandard(repo.dir, {
        incident: 'INC-1',
        countermeasure: 'Run the linter before done.',
        date: '2026-01-02',
      }),
    ).toBe(false);
    expect(readFileSync(join(repo.dir, 'agents/CONTEXT.md'), 'utf8')).toBe(
      '# Context\n\nState.\n\n## Standards\n\n- Existing rule.\n- Run the linter before done. — Kaizen from incident [INC-1](../wiki/90_LOG/incidents/INC-1.md), 2026-01-02.\n\n## Rules\n\n- Be kind.\n',
    );
    expect(listStandards(repo.dir)).toEqual([{ incident: 'INC-1', text: 'Run the linter before done.' }]);
  });

  it('creates the section at the end when it is missing', () => {
    repo = tempRepo({ 'agents/CONTEXT.md': '# Context\n\nState.\n' });
    appendStandard(repo.dir, {
      incident: 'INC-2',
      countermeasure: 'Pin TZ=UTC in tests.',
      date: '2026-01-02',
    });
    const text = readFileSync(join(repo.dir, 'agents/CONTEXT.md'), 'utf8');
    expect(text).toMatch(/^# Context\n\nState\.\n\n## Standards\n\n.*\n\n- Pin TZ=UTC in tests\. — Kaizen/);
  });
});
