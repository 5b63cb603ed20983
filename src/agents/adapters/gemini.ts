import {
  costFromPrice,
  lastJsonObject,
  num,
  obj,
  promptArg,
  str,
  tail,
  trailingJsonObject,
  usage,
} from '../parse-util.js';
import type { Adapter, ParsedOutput } from '../types.js';

/**
 * Gemini CLI (`gemini -p … --output-format json`, verified against 0.61).
 * It prints one object with `response`, `stats.models.<name>.tokens` and, on
 * failure, `error`: on stdout when the run finished, on stderr (after its
 * log lines and a stack trace, exit code = the error code & 255) when the
 * API refused. An API error's message is the API's own JSON; the readable
 * part is taken out of it. Editing roles use `--approval-mode yolo`;
 * read-only roles `auto_edit`, since `plan` would also forbid writing the
 * report. Every worktree is new to gemini, so `--skip-trust`. No cost is
 * reported: it comes from `price`.
 */
export const gemini: Adapter = {
  name: 'gemini',
  defaultBin: 'gemini',
  passEnv: ['GEMINI_*', 'GOOGLE_*'],
  invocation(input) {
    const args = ['-p', promptArg(input.prompt, input.promptFile), '--output-format', 'json'];
    if (input.agent.model) args.push('-m', input.agent.model);
    args.push('--approval-mode', input.readOnly ? 'auto_edit' : 'yolo');
    // Every worktree is a folder gemini has never seen: untrusted, it refuses to run headless (exit 55).
    args.push('--skip-trust');
    for (const d of input.writableDirs) args.push('--include-directories', d);
    args.push(...input.agent.args);
    return { file: input.agent.bin ?? 'gemini', args, input: '', env: {} };
  },
  parse(output, input) {
    const parsed = parseGemini(output.stdout, output.stderr);
    const cost = costFromPrice(input.agent, parsed.usage);
    if (cost !== undefined) parsed.costUsd = cost;
    return parsed;
  },
};

export function parseGemini(stdout: string, stderr: string): ParsedOutput {
  const root = lastJsonObject(stdout) ?? trailingJsonObject(stderr);
  if (!root)
    return {
      text: tail(withoutTraces(stderr || stdout)) || 'gemini printed no JSON',
      isError: true,
      subtype: 'unparseable',
    };
  const models = obj(obj(root.stats)?.models) ?? {};
  let input = 0;
  let cached = 0;
  let out = 0;
  let turns = 0;
  let sawTokens = false;
  for (const m of Object.values(models)) {
    const t = obj(obj(m)?.tokens);
    turns += num(obj(obj(m)?.api)?.totalRequests) ?? 0;
    if (!t) continue;
    sawTokens = true;
    input += num(t.prompt) ?? num(t.input) ?? 0;
    cached += num(t.cached) ?? 0;
    out += (num(t.candidates) ?? 0) + (num(t.thoughts) ?? 0);
  }
  const err = obj(root.error);
  const common = {
    ...(str(root.session_id) ? { sessionId: str(root.session_id) } : {}),
    ...(sawTokens ? { usage: usage(input, out, cached) } : {}),
    ...(turns ? { turns } : {}),
  };
  if (err)
    return {
      text: apiMessage(str(err.message)) ?? 'gemini reported an error',
      isError: true,
      subtype: str(err.type) ?? 'error',
      ...common,
    };
  return { text: str(root.response) ?? '', isError: false, subtype: 'success', ...common };
}

/** `{"error":{"code":401,"message":"…","status":"UNAUTHENTICATED"}}` (the API's body) → `API error 401 UNAUTHENTICATED: …`. */
function apiMessage(message: string | undefined): string | undefined {
  if (!message?.trim().startsWith('{')) return message;
  try {
    const e = obj(obj(JSON.parse(message))?.error);
    const text = str(e?.message);
    if (!text) return message;
    const code = [num(e?.code), str(e?.status)].filter((x) => x !== undefined).join(' ');
    return `API error${code ? ` ${code}` : ''}: ${text}`;
  } catch {
    return message;
  }
}

/**
 * Log output without stack frames and without the pointer to gemini's "full
 * report": that file is in the step's TMPDIR, which Jidoka deletes when the
 * step ends.
 */
function withoutTraces(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s+at /.test(l))
    .join('\n')
    .replace(/\s*Full report available at: \S+/g, '');
}
