/**
 * A scripted model server for contract tests of the real agent CLIs. It
 * listens on 127.0.0.1 only and speaks just enough of two wire protocols:
 *
 * - the Anthropic Messages API (`POST /v1/messages`, SSE when `stream: true`,
 *   plain JSON otherwise) for `claude`;
 * - the OpenAI Responses API (`POST /v1/responses`, SSE) for `codex`;
 * - the OpenAI Chat Completions API (`POST /v1/chat/completions`, SSE when
 *   `stream: true`) for `opencode` and `pi` (an "OpenAI-compatible" provider);
 * - the Gemini API (`POST /v1beta/models/<model>:generateContent`, and
 *   `:streamGenerateContent?alt=sse`, `:countTokens`) for `gemini`.
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
  | { error: { status: number; message: string } }
  /** The server never answers (the connection stays open until the server closes). */
  | { hang: true };

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
  /** Requests answered with a scripted `hang`: left open, never answered. */
  hanging(): number;
  close(): Promise<void>;
}

export interface ModelServerScript {
  anthropic?: ScriptedTurn[];
  openai?: ScriptedTurn[];
  chat?: ScriptedTurn[];
  gemini?: ScriptedTurn[];
  /** Token usage reported for every turn. */
  usage?: { input: number; output: number };
}

export async function startModelServer(script: ModelServerScript): Promise<ModelServer> {
  const requests: RecordedRequest[] = [];
  const unknown: RecordedRequest[] = [];
  const usage = script.usage ?? { input: 120, output: 30 };
  let hung = 0;

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
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      chat(res, rec.body as ChatRequest);
      return;
    }
    const g =
      /^\/v1(?:beta|alpha)?\/models\/([^:/]+):(generateContent|streamGenerateContent|countTokens)$/.exec(
        path ?? '',
      );
    if (req.method === 'POST' && g) {
      gemini(res, rec.body as GeminiRequest, g[1] as string, g[2] as string, req.url ?? '');
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
    if ('hang' in turn) return void hung++;
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
    if ('hang' in turn) return void hung++;
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

  function chat(res: ServerResponse, body: ChatRequest): void {
    const turns = script.chat ?? [];
    const done = (body.messages ?? []).filter((m) => m.role === 'tool').length;
    let turn = turns[Math.min(done, turns.length - 1)] ?? { text: 'done' };
    // A request that offers no tools is the CLI's own side call (opencode's session title), not a turn.
    if (!body.tools?.length && !('error' in turn) && !('hang' in turn)) turn = { text: 'Scripted session' };
    if ('hang' in turn) return void hung++;
    if ('error' in turn) {
      json(res, turn.error.status, {
        error: { type: 'invalid_request_error', code: null, message: turn.error.message },
      });
      return;
    }
    const id = `chatcmpl_${done + 1}`;
    const toolCalls =
      'tool' in turn
        ? [
            {
              index: 0,
              id: `call_${done + 1}`,
              type: 'function',
              function: { name: turn.tool, arguments: JSON.stringify(turn.input) },
            },
          ]
        : undefined;
    const finish = toolCalls ? 'tool_calls' : 'stop';
    const u = {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
    };
    const base = { id, created: 0, model: body.model };
    if (!body.stream) {
      json(res, 200, {
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: turn.text ?? null,
              ...(toolCalls ? { tool_calls: toolCalls } : {}),
            },
            finish_reason: finish,
          },
        ],
        usage: u,
      });
      return;
    }
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices,
      ...extra,
    });
    const events: unknown[] = [
      chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
    ];
    if (turn.text) events.push(chunk([{ index: 0, delta: { content: turn.text }, finish_reason: null }]));
    if (toolCalls) events.push(chunk([{ index: 0, delta: { tool_calls: toolCalls }, finish_reason: null }]));
    events.push(chunk([{ index: 0, delta: {}, finish_reason: finish }]));
    events.push(chunk([], { usage: u }));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const e of events) res.write(`data: ${JSON.stringify(e)}\n\n`);
    res.end('data: [DONE]\n\n');
  }

  function gemini(
    res: ServerResponse,
    body: GeminiRequest,
    model: string,
    method: string,
    url: string,
  ): void {
    const contents = body.contents ?? [];
    if (method === 'countTokens') {
      json(res, 200, { totalTokens: usage.input });
      return;
    }
    const turns = script.gemini ?? [];
    const done = contents.flatMap((c) => c.parts ?? []).filter((p) => 'functionResponse' in p).length;
    const turn = turns[Math.min(done, turns.length - 1)] ?? { text: 'done' };
    if ('hang' in turn) return void hung++;
    if ('error' in turn) {
      const status = turn.error.status;
      json(res, status, {
        error: { code: status, message: turn.error.message, status: GOOGLE_STATUS[status] ?? 'UNKNOWN' },
      });
      return;
    }
    const parts: Record<string, unknown>[] = [];
    if (turn.text) parts.push({ text: turn.text });
    if ('tool' in turn) parts.push({ functionCall: { name: turn.tool, args: turn.input } });
    const response = {
      candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
      usageMetadata: {
        promptTokenCount: usage.input,
        candidatesTokenCount: usage.output,
        totalTokenCount: usage.input + usage.output,
      },
      modelVersion: model,
      responseId: `gemini_${done + 1}`,
    };
    if (method === 'generateContent') {
      json(res, 200, response);
      return;
    }
    if (url.includes('alt=sse')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.end(`data: ${JSON.stringify(response)}\r\n\r\n`);
      return;
    }
    json(res, 200, [response]);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    unknown,
    hanging: () => hung,
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
interface ChatRequest {
  model?: string;
  stream?: boolean;
  tools?: unknown[];
  messages?: { role: string }[];
}
interface GeminiRequest {
  contents?: { role?: string; parts?: Record<string, unknown>[] }[];
}
/** google.rpc.Code names the Gemini API puts in `error.status`. */
const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};
interface OpenAIRequest {
  model?: string;
  input?: { type?: string }[];
}

function json(res: ServerResponse, status: number, value: unknown): void {
  // A 5xx says when to retry, as the real APIs do: the CLIs' backoff follows it, and the tests stay short.
  const retry = status >= 500 ? { 'retry-after': '1', 'retry-after-ms': '1000' } : {};
  res.writeHead(status, { 'content-type': 'application/json', ...retry }).end(JSON.stringify(value));
}

function sse(res: ServerResponse, events: [string, unknown][]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const [event, data] of events) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  res.end();
}
