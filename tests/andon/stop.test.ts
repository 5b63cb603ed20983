import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { guardScope } from '../../src/andon/guards.js';
import { listIncidents, readIncident } from '../../src/andon/incident/files.js';
import { filledWhys, parseWhys } from '../../src/andon/incident/whys.js';
import { assertLineRunning, clearYellow, raiseYellow, readLine } from '../../src/andon/line.js';
import { stopLine } from '../../src/andon/stop.js';
import { parseConfig } from '../../src/config/load.js';
import { defaultConfig } from '../../src/config/schema.js';
import { JidokaError } from '../../src/core/errors.js';
import { parseFrontmatter } from '../../src/core/frontmatter.js';
import type { Finding } from '../../src/core/types.js';
import { addWorktree, type TempRepo, tempRepo } from '../git/fixture.js';
import { change, check, limits } from './helpers.js';

const scopeFinding = (): Finding =>
  guardScope(
    ['a', 'b', 'c', 'd', 'e'].map((n) => change(`lib/${n}.ts`)),
    ['src/**'],
    limits,
  )!;

function thrown(fn: () => void): JidokaError {
  try {
    fn();
  } catch (err) {
    if (err instanceof JidokaError) return err;
    throw err;
  }
  throw new Error('expected a JidokaError');
}

describe('the line state', () => {
  let repo: TempRepo;
  afterEach(() => repo?.cleanup());

  it('starts running; yellow clears itself; a damaged file refuses instead of guessing', () => {
    repo = tempRepo();
    expect(readLine(repo.dir).state).toBe('running');
    raiseYellow(repo.dir, '1 file outside scope', 'plan-a');
    expect(readLine(repo.dir)).toMatchObject({
      state: 'yellow',
      yellow: { reason: '1 file outside scope', plan: 'plan-a' },
    });
    assertLineRunning(repo.dir, 'starts'); // yellow does not refuse
    clearYellow(repo.dir, 'plan-b');
    expect(readLine(repo.dir).state).toBe('yellow');
    clearYellow(repo.dir, 'plan-a');
    expect(readLine(repo.dir).state).toBe('running');
    expect(readLine(repo.dir).history?.map((h) => h.state)).toEqual(['yellow', 'running']);
    writeFileSync(join(repo.dir, '.jidoka', 'state', 'line.json'), '{nope');
    expect(thrown(() => assertLineRunning(repo.dir, 'starts')).message).toMatch(/line\.json is damaged/);
  });
});

describe('stopLine', () => {
  let repo: TempRepo;
  let server: Server | undefined;
  afterEach(async () => {
    repo?.cleanup();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  it('preserves the work, rolls back the worktree, writes the A3 page and stops the line; main is untouched', async () => {
    repo = tempRepo({ 'src/a.ts': 'export const a = 1;\n' });
    const mainBefore = repo.git('rev-parse', 'main').trim();
    const wt = addWorktree(repo, 'plan-a');
    const start = repo.git('-C', wt, 'rev-parse', 'HEAD').trim();
    for (const n of ['a', 'b', 'c', 'd', 'e']) {
      mkdirSync(join(wt, 'lib'), { recursive: true });
      writeFileSync(join(wt, 'lib', `${n}.ts`), `export const ${n} = 1;\n`);
    }
    const failing = check({
      exitCode: 1,
      output: 'FAIL tests/a.test.ts > adds\nAssertionError: expected 1 to be 2\n```\nend',
      failing: ['tests/a.test.ts > adds'],
      total: 4,
    });
    const result = await stopLine({
      root: repo.dir,
      config: defaultConfig(),
      finding: scopeFinding(),
      severity: 'red',
      plan: 'plan-a',
      chunk: 2,
      attempt: 1,
      worktree: wt,
      baseSha: start,
      diffStat: ' lib/a.ts | 1 +\n 5 files changed, 5 insertions(+)',
      failingChecks: [failing],
      logExcerpt: `${'noise\n'.repeat(5000)}the last line of the log`,
      rollback: { worktree: wt, toSha: start },
      containment: ["the maker's process group was killed"],
    });

    expect(result.incidentId).toMatch(/^INC-\d{8}-\d{6}-scope$/);
    expect(result.preservedRef).toBe(`refs/andon/${result.incidentId}`);
    expect(result.rolledBack).toBe(true);
    // The work is under the ref, the worktree is back at the start, main never moved.
    expect(repo.git('show', `${result.preservedRef}:lib/e.ts`)).toBe('export const e = 1;\n');
    expect(existsSync(join(wt, 'lib'))).toBe(false);
    expect(repo.git('-C', wt, 'rev-parse', 'HEAD').trim()).toBe(start);
    expect(repo.git('rev-parse', 'main').trim()).toBe(mainBefore);

    const text = readFileSync(result.incidentFile, 'utf8');
    const fm = parseFrontmatter(text);
    expect(fm.errors).toEqual([]);
    expect(Object.keys(fm.data)).toEqual([
      'id',
      'title',
      'type',
      'status',
      'severity',
      'category',
      'confidence',
      'plan',
      'chunk',
      'attempt',
      'detector',
      'base_sha',
      'head_sha',
      'preserved_ref',
      'opened_at',
      'resolved_at',
      'prevention_level',
      'countermeasure',
    ]);
    expect(fm.data).toMatchObject({
      id: result.incidentId,
      type: 'incident',
      status: 'contained',
      severity: 'red',
      category: 'scope_creep',
      confidence: 1,
      plan: 'plan-a',
      chunk: 2,
      attempt: 1,
      detector: 'scope',
      base_sha: start,
      head_sha: start,
      preserved_ref: result.preservedRef,
      resolved_at: null,
    });
    for (const h of [
      'Background',
      'Current condition',
      'Containment',
      'Five Whys',
      'Root cause',
      'Countermeasures',
      'Horizontal sweep',
      'Timeline',
    ])
      expect(text).toMatch(new RegExp(`^## ${h}$`, 'm'));
    expect(text).toContain('lib/a.ts');
    expect(text).toContain('| `npm test` | 1 |');
    expect(text).toContain('the last line of the log');
    expect(text).toContain("the maker's process group was killed");
    expect(text).toMatch(/rolled back to `[0-9a-f]{40}`/);
    expect(Buffer.byteLength(text)).toBeLessThan(20_000); // the log excerpt is bounded
    expect(text).not.toMatch(/\bTODO\b|\bTBD\b/);
    expect(parseWhys(fm.body)).toHaveLength(3);
    expect(filledWhys(fm.body)).toEqual([]);

    expect(readLine(repo.dir)).toMatchObject({
      state: 'stopped',
      incident: result.incidentId,
      category: 'scope_creep',
    });
    const err = thrown(() => assertLineRunning(repo.dir, 'merges'));
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain(`the line is stopped by incident ${result.incidentId} (scope_creep:`);
    expect(err.message).toContain(`nothing merges until \`jidoka andon resolve ${result.incidentId}`);

    expect(readIncident(repo.dir, result.incidentId)).toMatchObject({ status: 'contained', plan: 'plan-a' });
    expect(listIncidents(repo.dir).incidents.map((i) => i.id)).toEqual([result.incidentId]);
  });

  it('gives every stop its own id and keeps the line on the first incident', async () => {
    repo = tempRepo();
    const a = await stopLine({
      root: repo.dir,
      config: defaultConfig(),
      finding: scopeFinding(),
      severity: 'red',
    });
    const b = await stopLine({
      root: repo.dir,
      config: defaultConfig(),
      finding: scopeFinding(),
      severity: 'red',
    });
    expect(a.incidentId).not.toBe(b.incidentId);
    expect(readLine(repo.dir).incident).toBe(a.incidentId);
    expect(a.preservedRef).toBeUndefined();
  });

  it('a yellow stop warns without stopping', async () => {
    repo = tempRepo();
    const f = guardScope([change('README.md')], ['src/**'], limits)!;
    const r = await stopLine({
      root: repo.dir,
      config: defaultConfig(),
      finding: f,
      severity: 'yellow',
      plan: 'p',
    });
    expect(readLine(repo.dir)).toMatchObject({
      state: 'yellow',
      yellow: { plan: 'p', incident: r.incidentId },
    });
    expect(readIncident(repo.dir, r.incidentId)).toMatchObject({ severity: 'yellow', status: 'open' });
  });

  it('posts the webhook (Slack-compatible text) and runs the alert command', async () => {
    repo = tempRepo();
    const received: { body: Record<string, unknown>; headers: IncomingMessage['headers'] }[] = [];
    let calls = 0;
    server = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        calls++;
        // The first call fails: the alert must retry.
        if (calls === 1) return void res.writeHead(500).end();
        received.push({ body: JSON.parse(data), headers: req.headers });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const out = join(repo.dir, 'alert-env.txt');
    const config = parseConfig(
      `alerts:\n  webhook: http://127.0.0.1:${port}/hook/SECRET\n  retries: 2\n  timeout: 2s\n  command: [sh, -c, 'echo "$JIDOKA_INCIDENT_EVENT $JIDOKA_INCIDENT $JIDOKA_INCIDENT_CATEGORY $JIDOKA_LINE_STATE" > ${out}']\n`,
    );
    const r = await stopLine({
      root: repo.dir,
      config,
      finding: scopeFinding(),
      severity: 'red',
      plan: 'plan-a',
    });
    expect(r.alerts.every((a) => a.ok)).toBe(true);
    expect(calls).toBe(2);
    expect(received[0]?.headers['content-type']).toBe('application/json');
    expect(received[0]?.body).toMatchObject({
      event: 'stop',
      incident: r.incidentId,
      category: 'scope_creep',
      plan: 'plan-a',
      line: 'stopped',
    });
    expect(String(received[0]?.body.text)).toContain(
      `Jidoka stopped the line: ${r.incidentId} (scope_creep)`,
    );
    expect(readFileSync(out, 'utf8').trim()).toBe(`stop ${r.incidentId} scope_creep stopped`);
  });

  it('never lets a failing or hanging alert block or undo the stop', async () => {
    repo = tempRepo();
    server = createServer(() => {
      // never answers
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const config = parseConfig(
      `alerts:\n  webhook: http://127.0.0.1:${port}/hook\n  retries: 1\n  timeout: 300ms\n  command: [/nonexistent/alert-bin]\n`,
    );
    const t0 = Date.now();
    const r = await stopLine({ root: repo.dir, config, finding: scopeFinding(), severity: 'red' });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.alerts.map((a) => [a.channel, a.ok])).toEqual([
      ['webhook', false],
      ['command', false],
    ]);
    expect(readLine(repo.dir).state).toBe('stopped');
    const text = readFileSync(r.incidentFile, 'utf8');
    expect(text).toMatch(
      /alert via webhook failed: POST http:\/\/127\.0\.0\.1:\d+\/… failed 2 times: timed out/,
    );
    expect(text).toMatch(/alert via command failed/);
  });
});
