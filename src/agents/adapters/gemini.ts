import { lastJsonObject, num, obj, promptArg, str, tail, usage } from '../parse-util.js';
import type { Adapter, ParsedOutput } from '../types.js';

/**
 * Gemini CLI (`gemini -p … --output-format json`), built from its documented
 * JSON output (not run against a binary here): one object with `response`,
 * `stats.models.<name>.tokens` and, on failure, `error` (errors may also come
 * only on stderr with exit codes such as 41 or 53). Editing roles use
 * `--approval-mode yolo`; read-only roles `auto_edit`, since `plan` would
 * also forbid writing the report. No cost is reported: it comes from `price`.
 */
export const gemini: Adapter = {
  name: 'gemini',
  defaultBin: 'gemini',
  passEnv: ['GEMINI_*', 'GOOGLE_*'],
  invocation(input) {
    const args = ['-p', promptArg(input.prompt, input.promptFile), '--output-format', 'json'];
    if (input.agent.model) args.push('-m', input.agent.model);
    args.push('--approval-mode', input.readOnly ? 'auto_edit' : 'yolo');
    for (const d of input.writableDirs) args.push('--include-directories', d);
    args.push(...input.agent.args);
    return { file: input.agent.bin ?? 'gemini', args, input: '', env: {} };
  },
  parse(output) {
    return parseGemini(output.stdout, output.stderr);
  },
};

export function parseGemini(stdout: string, stderr: string): ParsedOutput {
  const root = lastJsonObject(stdout);
  if (!root)
    return {
      text: tail(stderr || stdout) || 'gemini printed no JSON',
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
      text: str(err.message) ?? 'gemini reported an error',
      isError: true,
      subtype: str(err.type) ?? 'error',
      ...common,
    };
  return { text: str(root.response) ?? '', isError: false, subtype: 'success', ...common };
}
