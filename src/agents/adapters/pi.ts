import { jsonLines, obj, promptArg, str, tail, UsageTally } from '../parse-util.js';
import type { Adapter, ParsedOutput } from '../types.js';

/**
 * pi (`pi -p --mode json`, verified against 0.73). pi exits 0 even when the
 * API call failed, so the assistant message's `stopReason` (`error`,
 * `aborted`) decides. Read-only roles get read tools plus `write` (for the
 * report); pi has no sandbox of its own to confine that write: Jidoka's
 * sandbox lets a judging role write only its step dir.
 */
export const pi: Adapter = {
  name: 'pi',
  defaultBin: 'pi',
  passEnv: [
    'PI_*',
    'ANTHROPIC_*',
    'OPENAI_*',
    'GEMINI_*',
    'GOOGLE_*',
    'OPENROUTER_*',
    'GROQ_*',
    'MISTRAL_*',
    'XAI_*',
  ],
  invocation(input) {
    const args = ['-p', '--mode', 'json', '--no-session'];
    if (input.agent.model) args.push('--model', input.agent.model);
    if (input.readOnly) args.push('--tools', 'read,grep,find,ls,write');
    args.push(...input.agent.args, promptArg(input.prompt, input.promptFile));
    return { file: input.agent.bin ?? 'pi', args, input: '', env: {} };
  },
  parse(output) {
    return parsePi(output.stdout, output.stderr);
  },
};

export function parsePi(stdout: string, stderr: string): ParsedOutput {
  const events = jsonLines(stdout);
  let sessionId: string | undefined;
  let last: Record<string, unknown> | undefined;
  let turns = 0;
  const tally = new UsageTally();
  for (const e of events) {
    if (e.type === 'session') sessionId = str(e.id) ?? sessionId;
    if (e.type !== 'message_end') continue;
    const m = obj(e.message);
    if (m?.role !== 'assistant') continue;
    turns++;
    last = m;
    const u = obj(m.usage);
    tally.add({
      input: u?.input,
      cacheRead: u?.cacheRead,
      cacheWrite: u?.cacheWrite,
      output: u?.output,
      cost: obj(u?.cost)?.total,
    });
  }
  if (!last)
    return {
      text: tail(stderr || stdout) || 'pi printed no assistant message',
      isError: true,
      subtype: 'unparseable',
    };
  const stopReason = str(last.stopReason) ?? 'stop';
  const text = Array.isArray(last.content)
    ? last.content
        .map((c) => obj(c))
        .filter((c) => c?.type === 'text')
        .map((c) => str(c?.text) ?? '')
        .join('\n')
    : '';
  const isError = stopReason === 'error' || stopReason === 'aborted';
  return {
    text: isError ? (str(last.errorMessage) ?? (text || `pi stopped: ${stopReason}`)) : text,
    isError,
    subtype: stopReason,
    ...(sessionId ? { sessionId } : {}),
    usage: tally.usage,
    turns,
    ...tally.costField,
  };
}
