/**
 * A scripted model server for contract tests of the real agent CLIs. It
 * listens on 127.0.0.1 only and speaks just enough of two wire protocols:
 *
 * - the Anthropic Messages API (`POST /v1/messages`, SSE when `stream: true`,
 *   plain JSON otherwise) for `claude`;
 * - the OpenAI Responses API (`POST /v1/responses`, SSE) for `codex`.
 *
 * A script is a list of turns. Which turn answers a request is computed from
 * the conversation itself (how many tool results it already carries), not
 * from a request counter, so a CLI's retries or non-streaming fallbacks get
 * the same answer. Every request is recorded; anything the server does not
 * know is logged in `unknown` so a failing test says what the CLI asked for.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptedTurn =
  /** The model calls one tool; `input` is the tool's argument object. */
  | { tool: string; input: Record<string, unknown>; text?: string }
  /** The model answers with a final message. */
  | { text: string }
  /** The API refuses the request with this HTTP status (e.g. 400, 401). */
  | { error: { status: number; message: string } };

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface ModelServer {
  /** `http://127.0.0.1:PORT` (no trailing slash, no `/v1`). */
  url: string;
  requests: RecordedRequest[];
  unknown: RecordedRequest[];
  close(): Promise<void>;
}

export interface ModelServerScript {
  anthropic?: ScriptedTurn[];
  openai?: ScriptedTurn[];
  /** Token usage reported for every turn. */
  usage?: { input: number; output: number };
}

export async function startModelServer(script: ModelServerScript): Promise<ModelServer> {
  const requests: RecordedRequest[] = [];
  const unknown: RecordedRequest[] = [];
  const usage = script.usage ?? { input: 120, output: 30 };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {}
      const rec: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
      };
      requests.push(rec);
      route(req, res, rec);
    });
  });

  function route(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): void {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'HEAD' || (req.method === 'GET' && path === '/')) {
      // claude probes the base URL before its first request.
      res.writeHead(200).end();
      return;
    }
    if (req.method === 'POST' && path === '/v1/messages') {
      anthropic(res, rec.body as AnthropicRequest);
      return;
    }
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      json(res, 200, { input_tokens: usage.input });
      return;
    }
    if (req.method === 'POST' && path === '/v1/responses') {
      openai(res, rec.body as OpenAIRequest);
      return;
    }
    unknown.push(rec);
    json(res, 404, {
      error: { type: 'not_found', message: `model-server: no route for ${req.method} ${req.url}` },
    });
  }

  function anthropic(res: ServerResponse, body: AnthropicRequest): void {
    const turns = script.anthropic ?? [];
    const done = (body.messages ?? []).filter((m) => m.role === 'assistant').length;
    const turn = turns[Math.min(done, turns.length - 1)] ?? { text: 'done' };
    if ('error' in turn) {
      json(res, turn.error.status, {
        type: 'error',
        error: { type: 'invalid_request_error', message: turn.error.message },
      });
      return;
    }
    const id = `msg_${done + 1}`;
    const toolId = `toolu_${done + 1}`;
    const content: Record<string, unknown>[] = [];
    if (turn.text) content.push({ type: 'text', text: turn.text });
    if ('tool' in turn) content.push({ type: 'tool_use', id: toolId, name: turn.tool, input: turn.input });
    const stopReason = 'tool' in turn ? 'tool_use' : 'end_turn';
    const u = { input_tokens: usage.input, output_tokens: usage.output };
    if (!body.stream) {
      json(res, 200, {
        id,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content,
        stop_reason: stopReason,
        stop_sequence: null,
        usage: u,
      });
      return;
    }
    const events: [string, unknown][] = [
      [
        'message_start',
        {
          type: 'message_start',
          message: {
            id,
            type: 'message',
            role: 'assistant',
            model: body.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: usage.input, output_tokens: 1 },
          },
        },
      ],
    ];
    content.forEach((block, index) => {
      if (block.type === 'text') {
        events.push([
          'content_block_start',
          { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
        ]);
        events.push([
          'content_block_delta',
          { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } },
        ]);
      } else {
        events.push([
          'content_block_start',
          { type: 'content_block_start', index, content_block: { ...block, input: {} } },
        ]);
        events.push([
          'content_block_delta',
          {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
          },
        ]);
      }
      events.push(['content_block_stop', { type: 'content_block_stop', index }]);
    });
    events.push([
      'message_delta',
      {
        type: 'message_delta',
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: usage.output },
      },
    ]);
    events.push(['message_stop', { type: 'message_stop' }]);
    sse(res, events);
  }

  function openai(res: ServerResponse, body: OpenAIRequest): void {
    const turns = script.openai ?? [];
    const input = Array.isArray(body.input) ? body.input : [];
    const done = input.filter(
      (i) => i.type === 'function_call_output' || i.type === 'custom_tool_call_output',
    ).length;
    const turn = turns[Math.min(done, turns.length - 1)] ?? { text: 'done' };
    if ('error' in turn) {
      json(res, turn.error.status, {
        error: { type: 'invalid_request_error', code: null, message: turn.error.message },
      });
      return;
    }
    const respId = `resp_${done + 1}`;
    const output: Record<string, unknown>[] = [];
    if (turn.text)
      output.push({
        type: 'message',
        id: `msg_${done + 1}`,
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: turn.text, annotations: [] }],
      });
    if ('tool' in turn)
      output.push({
        type: 'function_call',
        id: `fc_${done + 1}`,
        call_id: `call_${done + 1}`,
        name: turn.tool,
        arguments: JSON.stringify(turn.input),
        status: 'completed',
      });
    const response = { id: respId, object: 'response', status: 'in_progress', model: body.model, output: [] };
    const events: [string, unknown][] = [['response.created', { type: 'response.created', response }]];
    output.forEach((item, output_index) => {
      events.push(['response.output_item.added', { type: 'response.output_item.added', output_index, item }]);
      if (item.type === 'message')
        events.push([
          'response.output_text.delta',
          {
            type: 'response.output_text.delta',
            output_index,
            content_index: 0,
            item_id: item.id,
            delta: turn.text,
          },
        ]);
      events.push(['response.output_item.done', { type: 'response.output_item.done', output_index, item }]);
    });
    events.push([
      'response.completed',
      {
        type: 'response.completed',
        response: {
          ...response,
          status: 'completed',
          output,
          usage: {
            input_tokens: usage.input,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: usage.output,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: usage.input + usage.output,
          },
        },
      },
    ]);
    sse(res, events);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    unknown,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface AnthropicRequest {
  model?: string;
  stream?: boolean;
  messages?: { role: string }[];
}
interface OpenAIRequest {
  model?: string;
  input?: { type?: string }[];
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

function sse(res: ServerResponse, events: [string, unknown][]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const [event, data] of events) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  res.end();
}
