import { jsonLines, num, obj, promptArg, str, tail, usage } from '../parse-util.js';
import type { Adapter, ParsedOutput } from '../types.js';

/**
 * opencode (`opencode run --format json`), built from its documented JSONL
 * format (not run against a binary here). The prompt is an argument; a
 * prompt too long for argv is replaced by a pointer to the prompt file.
 * `step_finish` events carry tokens and cost. opencode has no per-run
 * read-only switch that still lets the agent write its report, so read-only
 * roles rely on the prompt and on Jidoka's own diff guards.
 */
export const opencode: Adapter = {
  name: 'opencode',
  defaultBin: 'opencode',
  passEnv: [
    'OPENCODE_*',
    'ANTHROPIC_*',
    'OPENAI_*',
    'GEMINI_*',
    'GOOGLE_*',
    'OPENROUTER_*',
    'GROQ_*',
    'MISTRAL_*',
  ],
  invocation(input) {
    const args = ['run', '--format', 'json'];
    if (input.agent.model) args.push('-m', input.agent.model);
    args.push('--dir', input.cwd, ...input.agent.args, '--', promptArg(input.prompt, input.promptFile));
    return { file: input.agent.bin ?? 'opencode', args, input: '', env: {} };
  },
  parse(output) {
    return parseOpencode(output.stdout, output.stderr);
  },
};

export function parseOpencode(stdout: string, stderr: string): ParsedOutput {
  const events = jsonLines(stdout);
  let sessionId: string | undefined;
  const texts: string[] = [];
  let steps = 0;
  let cost = 0;
  let sawCost = false;
  let input = 0;
  let cached = 0;
  let out = 0;
  let error: string | undefined;
  for (const e of events) {
    sessionId = str(e.sessionID) ?? sessionId;
    const part = obj(e.part);
    if (e.type === 'text' && part) texts.push(str(part.text) ?? '');
    else if (e.type === 'step_finish' && part) {
      steps++;
      if (num(part.cost) !== undefined) {
        sawCost = true;
        cost += num(part.cost) ?? 0;
      }
      const t = obj(part.tokens);
      const c = obj(t?.cache);
      cached += num(c?.read) ?? 0;
      input += (num(t?.input) ?? 0) + (num(c?.read) ?? 0) + (num(c?.write) ?? 0);
      out += (num(t?.output) ?? 0) + (num(t?.reasoning) ?? 0);
    } else if (e.type === 'error') {
      const err = obj(e.error);
      error =
        str(obj(err?.data)?.message) ?? str(err?.message) ?? str(err?.name) ?? 'opencode reported an error';
    }
  }
  const common = {
    ...(sessionId ? { sessionId } : {}),
    ...(steps ? { turns: steps, usage: usage(input, out, cached) } : {}),
    ...(sawCost ? { costUsd: cost } : {}),
  };
  if (error) return { text: error, isError: true, subtype: 'error', ...common };
  if (!steps)
    return {
      text: tail(stderr || stdout) || 'opencode printed no events',
      isError: true,
      subtype: 'unparseable',
      ...common,
    };
  return { text: texts[texts.length - 1] ?? '', isError: false, subtype: 'success', ...common };
}
