import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import type { ZodType } from 'zod';
import type { Config } from '../config/schema.js';
import { parseDuration } from '../core/duration.js';
import { describeError, JidokaError } from '../core/errors.js';
import { computeMetrics } from '../metrics/metrics.js';
import { collectStatus } from '../status/status.js';
import type { WikiHealth } from '../wiki/live-lint.js';
import { actionBodies, decidePlan, pullCord, resolve } from './actions.js';
import { readAsset } from './assets.js';
import { createEventHub, type EventHub } from './events.js';
import { hostAllowed, originAllowed } from './guard.js';
import { boardSnapshot } from './snapshot.js';
import { tokenMatches } from './token.js';

/**
 * The board's HTTP surface (DESIGN.md, "The board"): GET the page, the
 * status, the whole board, the figures (`/api/metrics[?since=7d]`: under
 * `figures`, what `jidoka metrics --json` prints) and a stream of changes;
 * POST the four actions with the bearer token. Every request first passes
 * the Host check (guard.ts); every response carries a Content-Security-Policy
 * that allows the board's own scripts only, so even markup that slipped into
 * the page could not run.
 */
export interface BoardDeps {
  root: string;
  config: () => Config;
  token: string;
  /** The address the server is bound to, for the Host check. */
  host: string;
  wiki: () => WikiHealth | undefined;
}

/** Request bodies past this are refused (413) before they are read whole. */
export const MAX_BODY_BYTES = 16 * 1024;
export const MAX_EVENT_CLIENTS = 16;
const EVENT_INTERVAL_MS = 400;

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export function boardApp(deps: BoardDeps): { app: Hono; hub: EventHub } {
  const snapshot = () => boardSnapshot(deps.root, deps.config(), deps.wiki());
  const hub = createEventHub(() => JSON.stringify(snapshot()), {
    intervalMs: EVENT_INTERVAL_MS,
    maxClients: MAX_EVENT_CLIENTS,
  });
  const ctx = () => ({ root: deps.root, config: deps.config() });
  const app = new Hono();

  app.use('*', async (c, next) => {
    if (!hostAllowed(deps.host, c.req.header('host')))
      return c.json({ error: 'this board answers only requests addressed to its own host' }, 403);
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
  });

  app.get('/api/status', (c) => c.json(collectStatus(deps.root, deps.config())));
  app.get('/api/board', (c) => c.json(snapshot()));
  app.get('/api/metrics', async (c) => {
    const since = c.req.query('since');
    const window = since === undefined ? undefined : parseDuration(since);
    if (since !== undefined && window === undefined)
      return c.json({ error: `since=${since} is not a duration like "7d" or "24h"` }, 400);
    const figures = await computeMetrics(deps.root, {
      maxChunks: deps.config().limits.maxChunksPerPlan,
      ...(window !== undefined ? { sinceMs: Date.now() - window } : {}),
    });
    return c.json({ figures });
  });
  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
      let done!: () => void;
      const ended = new Promise<void>((r) => {
        done = r;
      });
      const client = {
        send: (data: string) => void stream.writeSSE({ event: 'board', data }).catch(done),
        end: done,
      };
      stream.onAbort(done);
      if (!hub.join(client)) {
        await stream.writeSSE({ event: 'full', data: 'too many open boards; close one and reload' });
        return;
      }
      closers.add(done);
      await ended;
      closers.delete(done);
      hub.leave(client);
    }),
  );

  // Actions: the token, an Origin (when a browser sends one) that is the board's own, a small JSON body.
  app.use('/api/actions/*', async (c, next) => {
    if (!tokenMatches(deps.token, c.req.header('authorization')))
      return c.json(
        { error: 'this action needs Authorization: Bearer <the token in .jidoka/board.token>' },
        401,
      );
    if (!originAllowed(c.req.header('origin'), c.req.header('host')))
      return c.json({ error: 'cross-origin requests are refused' }, 403);
    await next();
  });
  app.use(
    '/api/actions/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ error: `request body over ${MAX_BODY_BYTES} bytes` }, 413),
    }),
  );
  app.post('/api/actions/plans/:id/approve', (c) =>
    act(c, undefined, () => decidePlan(ctx(), c.req.param('id'), 'approved')),
  );
  app.post('/api/actions/plans/:id/reject', (c) =>
    act(c, actionBodies.reject, (b) => decidePlan(ctx(), c.req.param('id'), 'rejected', b.reason)),
  );
  app.post('/api/actions/andon/pull', (c) => act(c, actionBodies.pull, (b) => pullCord(ctx(), b)));
  app.post('/api/actions/incidents/:id/resolve', (c) =>
    act(c, actionBodies.resolve, (b) => resolve(ctx(), c.req.param('id'), b)),
  );

  app.get('*', (c) => {
    const asset = readAsset(c.req.path);
    if (!asset) return c.json({ error: 'not found' }, 404);
    return c.body(new Uint8Array(asset.body), 200, { 'Content-Type': asset.type });
  });
  app.all('*', (c) => c.json({ error: 'not found' }, 404));

  /** Run an action on a validated body; the person sees the same message the CLI prints. */
  const act = async <T>(c: Context, schema: ZodType<T> | undefined, run: (body: T) => unknown) => {
    let body: unknown = {};
    const raw = await c.req.text();
    if (raw.trim()) {
      try {
        body = JSON.parse(raw);
      } catch {
        return c.json({ error: 'the request body is not JSON' }, 400);
      }
    }
    let input = body as T;
    if (schema) {
      const parsed = schema.safeParse(body);
      if (!parsed.success)
        return c.json(
          { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') },
          400,
        );
      input = parsed.data;
    }
    try {
      const result = await run(input);
      hub.refresh();
      return c.json({ ok: true, result });
    } catch (err) {
      const code = !(err instanceof JidokaError) ? 500 : err.exitCode === 2 ? 400 : 409;
      return c.json({ error: describeError(err) }, code);
    }
  };

  const closers = new Set<() => void>();
  const close = hub.close;
  hub.close = () => {
    for (const end of closers) end();
    close();
  };
  return { app, hub };
}

export interface RunningBoard {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listen on host:port; rejects with the listen error (EADDRINUSE) so the caller can say it. */
export async function serveBoard(deps: BoardDeps, port: number): Promise<RunningBoard> {
  const { app, hub } = boardApp(deps);
  const server = createAdaptorServer({ fetch: app.fetch, hostname: deps.host, port });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, deps.host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = deps.host.includes(':') ? `[${deps.host}]` : deps.host;
  return {
    url: `http://${shown}:${bound}/`,
    port: bound,
    close: () =>
      new Promise<void>((ok) => {
        hub.close();
        server.close(() => ok());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
