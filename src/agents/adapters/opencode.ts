import { jsonLines, num, obj, promptArg, str, tail, UsageTally } from '../parse-util.js';
import type { Adapter, ParsedOutput } from '../types.js';

/**
 * opencode (`opencode run --format json`, verified against 1.18.x). The
 * prompt is an argument; a prompt too long for argv is replaced by a pointer
 * to the prompt file. `step_finish` events carry tokens and cost.
 *
 * opencode asks before a tool touches a path outside `--dir` (its
 * `external_directory` permission), and `run` mode turns every question into
 * a refusal: the step dir, where the report goes, is outside the worktree,
 * so it is allowed by `OPENCODE_PERMISSION` (merged over the user's
 * opencode config). opencode has no read-only switch that still lets the
 * agent write its report: what a judging role may write is enforced by
 * Jidoka's sandbox (its step dir only), and under `sandbox.mode: none` by
 * the check that it left the worktree untouched.
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
    return {
      file: input.agent.bin ?? 'opencode',
      args,
      input: '',
      env: { OPENCODE_PERMISSION: JSON.stringify(opencodePermission(input.writableDirs)) },
    };
  },
  parse(output) {
    return parseOpencode(output.stdout, output.stderr);
  },
};

/** opencode permission rules that let its tools reach the dirs outside `--dir` the step must write. */
export function opencodePermission(writableDirs: string[]): Record<string, unknown> {
  const external: Record<string, string> = {};
  for (const d of writableDirs) {
    external[d] = 'allow';
    external[`${d}/**`] = 'allow';
  }
  return { external_directory: external };
}

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
