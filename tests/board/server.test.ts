import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAllowed } from '../../src/board/guard.js';
import { MAX_BODY_BYTES, MAX_EVENT_CLIENTS, type RunningBoard, serveBoard } from '../../src/board/server.js';
import { ensureToken, tokenFile, tokenMatches } from '../../src/board/token.js';
import { loadConfig } from '../../src/config/load.js';
import { computeMetrics } from '../../src/metrics/metrics.js';
import { collectStatus } from '../../src/status/status.js';
import { oneChunkPlan, planStatus } from '../daemon/daemon-process.js';
import { setupLine } from '../support/line.js';
import { raw } from './helpers.js';

/**
 * The board's HTTP surface in-process, on a real socket and a real
 * repository: what it serves, what it refuses, and that actions go through
 * the same functions as the CLI.
 */
let root: string;
let board: RunningBoard;
let token: string;

beforeAll(async () => {
  ({ root } = setupLine({ script: {}, files: { 'plans/p2.md': oneChunkPlan('p2', 'proposed', 'b') } }));
  token = ensureToken(root);
  const { config } = loadConfig(root);
  board = await serveBoard(
    { root, config: () => config, token, host: '127.0.0.1', wiki: () => undefined },
    0,
  );
});
afterAll(async () => {
  await board?.close();
});

const auth = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

describe('the board token', () => {
  it('is made once, 0600, and a file others could read is made private again', () => {
    expect(statSync(tokenFile(root)).mode & 0o777).toBe(0o600);
    expect(ensureToken(root)).toBe(token);
    chmodSync(tokenFile(root), 0o644);
    expect(ensureToken(root)).toBe(token);
    expect(statSync(tokenFile(root)).mode & 0o777).toBe(0o600);
  });

  it('matches only the exact bearer token', () => {
    expect(tokenMatches(token, `Bearer ${token}`)).toBe(true);
    expect(tokenMatches(token, `bearer ${token}`)).toBe(true);
    expect(tokenMatches(token, `Bearer ${token}x`)).toBe(false);
    expect(tokenMatches(token, `Bearer ${token.slice(0, -1)}`)).toBe(false);
    expect(tokenMatches(token, token)).toBe(false);
    expect(tokenMatches(token, undefined)).toBe(false);
    expect(tokenMatches(token, 'Bearer ')).toBe(false);
  });
});

describe('what the board serves', () => {
  it('GET /api/status is what `jidoka status --json` prints', async () => {
    const r = await raw(board.port, { path: '/api/status' });
    expect(r.status).toBe(200);
    const { config } = loadConfig(root);
    const { daemon: _d, ...now } = collectStatus(root, config);
    const { daemon: _d2, ...served } = JSON.parse(r.body);
    expect(served).toEqual(now);
  });

  it('GET /api/metrics is what computeMetrics gives (jidoka metrics --json); a bad since is a 400', async () => {
    const r = await raw(board.port, { path: '/api/metrics?since=7d' });
    expect(r.status, r.body).toBe(200);
    const { figures } = JSON.parse(r.body);
    const now = await computeMetrics(root, { sinceMs: Date.now() - 7 * 86_400_000 });
    expect({ ...figures, generatedAt: 0, since: 0 }).toEqual({ ...now, generatedAt: 0, since: 0 });
    expect(figures.stations.maker).toEqual({ entered: 0, firstPass: 0, yield: null });
    expect((await raw(board.port, { path: '/api/metrics?since=soon' })).status).toBe(400);
  });

  it('the page, its script and uPlot, with a CSP that allows the board’s own scripts only', async () => {
    for (const path of [
      '/',
      '/board.js',
      '/board.css',
      '/vendor/uPlot.iife.min.js',
      '/vendor/uPlot.min.css',
    ]) {
      const r = await raw(board.port, { path });
      expect(r.status, path).toBe(200);
      expect(r.headers['content-security-policy']).toMatch(/script-src 'self';/);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    }
    expect((await raw(board.port, { path: '/' })).body).toMatch(/<script src="\/board.js">/);
  });

  it('nothing outside its own files: encoded ../, absolute paths and node_modules paths are 404', async () => {
    const attempts = [
      '/../package.json',
      '/..%2fpackage.json',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/vendor/..%2f..%2fpackage.json',
      '/vendor/../../../etc/passwd',
      '//etc/passwd',
      '/etc/passwd',
      `/${encodeURIComponent('/etc/passwd')}`,
      '/%2fetc%2fpasswd',
      '/vendor/uPlot.iife.min.js/../../../../package.json',
      '/node_modules/uplot/package.json',
      '/src/board/page/board.js',
      '/board.js%00.html',
      '/.jidoka/board.token',
      '/%2ejidoka/board.token',
    ];
    for (const path of attempts) {
      const r = await raw(board.port, { path });
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toMatch(/root:|"name"|[0-9a-f]{64}/);
    }
  });

  it('refuses a Host that is not a loopback name (DNS rebinding), and a request without one', async () => {
    for (const host of ['evil.example', 'evil.example:7420', '127.0.0.1.evil.example', '10.0.0.1:80'])
      expect((await raw(board.port, { path: '/api/status', headers: { host } })).status, host).toBe(403);
    for (const host of ['localhost', `localhost:${board.port}`, `[::1]:${board.port}`, '127.0.0.1'])
      expect((await raw(board.port, { path: '/api/status', headers: { host } })).status, host).toBe(200);
    expect(hostAllowed('127.0.0.1', undefined)).toBe(false);
    // Bound to another address on purpose: any name.
    expect(hostAllowed('0.0.0.0', 'board.example:7420')).toBe(true);
  });
});

describe('actions', () => {
  it('an approval without the token, or with a wrong one, is refused (401) and changes nothing', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Basic ${token}` }]) {
      const r = await raw(board.port, { method: 'POST', path: '/api/actions/plans/p2/approve', headers });
      expect(r.status).toBe(401);
    }
    expect(planStatus(root, 'p2')).toBe('proposed');
  });

  it('refuses another origin even with the token (CSRF), and an oversized body (413)', async () => {
    const cross = await raw(board.port, {
      method: 'POST',
      path: '/api/actions/plans/p2/approve',
      headers: { ...auth(), origin: 'https://evil.example' },
    });
    expect(cross.status).toBe(403);
    const big = await raw(board.port, {
      method: 'POST',
      path: '/api/actions/andon/pull',
      headers: auth(),
      body: JSON.stringify({ reason: 'x'.repeat(MAX_BODY_BYTES + 10) }),
    });
    expect(big.status).toBe(413);
    const bad = await raw(board.port, {
      method: 'POST',
      path: '/api/actions/andon/pull',
      headers: auth(),
      body: '{"reason": 1}',
    });
    expect(bad.status).toBe(400);
    expect(planStatus(root, 'p2')).toBe('proposed');
  });

  it('approve and reject with the token go through the same transition as the CLI, recorded as from the board', async () => {
    const ok = await raw(board.port, {
      method: 'POST',
      path: '/api/actions/plans/p2/approve',
      headers: { ...auth(), origin: `http://127.0.0.1:${board.port}` },
    });
    expect(ok.status, ok.body).toBe(200);
    expect(JSON.parse(ok.body).result).toMatchObject({ id: 'p2', from: 'proposed', status: 'approved' });
    expect(JSON.parse(ok.body).result.by).toMatch(/\(board\)$/);
    expect(planStatus(root, 'p2')).toBe('approved');
    // The transition's own rules answer: approving an approved plan changes nothing; an unknown plan is an error.
    const again = await raw(board.port, {
      method: 'POST',
      path: '/api/actions/plans/p2/approve',
      headers: auth(),
    });
    expect(JSON.parse(again.body).result.unchanged).toBe(true);
    const missing = await raw(board.port, {
      method: 'POST',
      path: '/api/actions/plans/nope/approve',
      headers: auth(),
    });
    expect(missing.status).toBeGreaterThanOrEqual(400);
    const rej = await raw(board.port, {
      method: 'POST',
      path: '/api/actions/plans/p2/reject',
      headers: auth(),
      body: JSON.stringify({ reason: 'not now' }),
    });
    expect(rej.status, rej.body).toBe(200);
    expect(planStatus(root, 'p2')).toBe('rejected');
  });
});

describe('server-sent events', () => {
  it(`push the board at once and on a change; at most ${MAX_EVENT_CLIENTS} streams`, async () => {
    const open: IncomingMessage[] = [];
    const firstEvent = (res: IncomingMessage) =>
      new Promise<string>((resolve) => {
        let buf = '';
        res.setEncoding('utf8');
        const onData = (d: string) => {
          buf += d;
          if (buf.includes('\n\n')) {
            res.off('data', onData);
            resolve(buf);
          }
        };
        res.on('data', onData);
      });
    const connect = () =>
      new Promise<IncomingMessage>((resolve, reject) =>
        get({ host: '127.0.0.1', port: board.port, path: '/api/events' }, resolve).on('error', reject),
      );
    try {
      for (let i = 0; i < MAX_EVENT_CLIENTS; i++) {
        const res = await connect();
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        open.push(res);
        expect(await firstEvent(res)).toMatch(/^event: board\ndata: \{"status":/);
      }
      const extra = await connect();
      expect(await firstEvent(extra)).toMatch(/^event: full\n/);
      extra.destroy();
      // A change on disk reaches an open stream without a request.
      const next = firstEvent(open[0]!);
      writeFileSync(`${root}/plans/p3.md`, oneChunkPlan('p3', 'proposed', 'c'));
      const started = Date.now();
      expect(await next).toMatch(/"id":"p3"/);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      for (const res of open) res.destroy();
    }
  });
});
