import { jsonLines, num, obj, promptArg, str, tail, UsageTally } from '../parse-util.js';
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
  const tally = new UsageTally();
  let error: string | undefined;
  for (const e of events) {
    sessionId = str(e.sessionID) ?? sessionId;
    const part = obj(e.part);
    if (e.type === 'text' && part) texts.push(str(part.text) ?? '');
    else if (e.type === 'step_finish' && part) {
      steps++;
      const t = obj(part.tokens);
      const c = obj(t?.cache);
      tally.add({
        input: t?.input,
        cacheRead: c?.read,
        cacheWrite: c?.write,
        output: (num(t?.output) ?? 0) + (num(t?.reasoning) ?? 0),
        cost: part.cost,
      });
    } else if (e.type === 'error') {
      const err = obj(e.error);
      error =
        str(obj(err?.data)?.message) ?? str(err?.message) ?? str(err?.name) ?? 'opencode reported an error';
    }
  }
  const common = {
    ...(sessionId ? { sessionId } : {}),
    ...(steps ? { turns: steps, usage: tally.usage } : {}),
    ...tally.costField,
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
