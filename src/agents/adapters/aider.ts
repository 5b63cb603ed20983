import { tail } from '../parse-util.js';
import type { Adapter, ParsedOutput } from '../types.js';

/**
 * aider, which prints plain text only. The prompt goes by `--message-file`;
 * tokens and cost come from its "Tokens: … Cost: …" lines (the session
 * total of the last one). Built from its documented options and output and
 * tested on fixtures only: aider is a Python tool, on neither npm nor the OS
 * packages CI installs from, so no contract test runs it. aider edits files but never commits
 * (`--no-auto-commits`): Jidoka commits.
 */
export const aider: Adapter = {
  name: 'aider',
  defaultBin: 'aider',
  passEnv: [
    'AIDER_*',
    'ANTHROPIC_*',
    'OPENAI_*',
    'GEMINI_*',
    'OPENROUTER_*',
    'GROQ_*',
    'MISTRAL_*',
    'DEEPSEEK_*',
  ],
  invocation(input) {
    const args = ['--message-file', input.promptFile];
    if (input.agent.model) args.push('--model', input.agent.model);
    args.push(
      '--yes-always',
      '--no-auto-commits',
      '--no-dirty-commits',
      '--no-pretty',
      '--no-stream',
      '--no-check-update',
      '--no-show-release-notes',
      '--analytics-disable',
      '--no-gitignore',
      ...input.agent.args,
    );
    return { file: input.agent.bin ?? 'aider', args, input: '', env: {} };
  },
  parse(output) {
    return parseAider(output.stdout, output.stderr);
  },
};

const TOKENS =
  /Tokens:\s*([\d.]+)([kKmM]?) sent(?:,\s*([\d.]+)([kKmM]?) cache write)?(?:,\s*([\d.]+)([kKmM]?) cache hit)?,\s*([\d.]+)([kKmM]?) received\.(?:\s*Cost:\s*\$([\d.]+) message,\s*\$([\d.]+) session\.)?/g;

function scaled(n: string | undefined, suffix: string | undefined): number {
  if (!n) return 0;
  const f = suffix?.toLowerCase() === 'k' ? 1e3 : suffix?.toLowerCase() === 'm' ? 1e6 : 1;
  return Math.round(Number(n) * f);
}

export function parseAider(stdout: string, stderr: string): ParsedOutput {
  let input = 0;
  let cached = 0;
  let out = 0;
  let turns = 0;
  let cost: number | undefined;
  for (const m of stdout.matchAll(TOKENS)) {
    turns++;
    input += scaled(m[1], m[2]);
    cached += scaled(m[5], m[6]);
    out += scaled(m[7], m[8]);
    if (m[10]) cost = Number(m[10]);
  }
  const text = tail(stdout, 4000);
  if (!text && stderr.trim()) return { text: tail(stderr), isError: true, subtype: 'no_output' };
  return {
    text,
    isError: false,
    ...(turns
      ? {
          turns,
          usage: {
            inputTokens: input,
            outputTokens: out,
            cachedInputTokens: cached,
            totalTokens: input + out,
          },
        }
      : {}),
    ...(cost !== undefined ? { costUsd: cost } : {}),
  };
}
