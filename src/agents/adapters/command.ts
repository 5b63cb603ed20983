import { existsSync, readFileSync } from 'node:fs';
import { costFromPrice, num, obj, tail, usage } from '../parse-util.js';
import type { Adapter, ParsedOutput } from '../types.js';

/**
 * `command`: the public contract for custom agents (DESIGN.md, "Agents").
 * argv comes from config with `{prompt_file}`, `{report_file}` and
 * `{worktree}` substituted; the prompt is also written to stdin; the
 * JIDOKA_* environment says the rest. Exit 0 means finished; the verdict,
 * if the role has one, is read from the report file, never from stdout.
 * A custom agent reports what it spent the same way, with an optional
 * `"usage": {"costUsd", "inputTokens", "outputTokens"}` in its report file,
 * so the budget breakers see it.
 */
export const command: Adapter = {
  name: 'command',
  defaultBin: '',
  passEnv: [],
  invocation(input) {
    const argv = input.agent.command ?? [];
    const fill = (s: string) =>
      s
        .replaceAll('{prompt_file}', input.promptFile)
        .replaceAll('{report_file}', input.reportFile)
        .replaceAll('{worktree}', input.cwd);
    const [file = '', ...rest] = argv.map(fill);
    return { file, args: [...rest, ...input.agent.args.map(fill)], env: {} };
  },
  parse(output, input) {
    const reported = reportedUsage(input.reportFile);
    // Tokens without a cost are priced from the role's `price` table, as for the other adapters.
    const priced = reported.costUsd ?? costFromPrice(input.agent, reported.usage);
    return {
      text: tail(output.stdout, 4000),
      isError: false,
      ...reported,
      ...(priced !== undefined ? { costUsd: priced } : {}),
    };
  },
};

/**
 * The `usage` object of the report file, when there is one. Anything
 * unreadable is ignored here: a role whose report carries a verdict gets a
 * clear error about it from verdict.ts, and usage is optional.
 */
export function reportedUsage(reportFile: string): Pick<ParsedOutput, 'costUsd' | 'usage'> {
  if (!existsSync(reportFile)) return {};
  let u: Record<string, unknown> | undefined;
  try {
    u = obj(obj(JSON.parse(readFileSync(reportFile, 'utf8')))?.usage);
  } catch {
    return {};
  }
  if (!u) return {};
  const count = (v: unknown) => {
    const n = num(v);
    return n !== undefined && Number.isFinite(n) && n >= 0 ? n : undefined;
  };
  const cost = count(u.costUsd);
  const input = count(u.inputTokens);
  const output = count(u.outputTokens);
  return {
    ...(cost !== undefined ? { costUsd: cost } : {}),
    ...(input !== undefined || output !== undefined ? { usage: usage(input ?? 0, output ?? 0) } : {}),
  };
}
