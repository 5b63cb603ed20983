import { tail } from '../parse-util.js';
import type { Adapter } from '../types.js';

/**
 * `command`: the public contract for custom agents (DESIGN.md, "Agents").
 * argv comes from config with `{prompt_file}`, `{report_file}` and
 * `{worktree}` substituted; the prompt is also written to stdin; the
 * JIDOKA_* environment says the rest. Exit 0 means finished; the verdict,
 * if the role has one, is read from the report file, never from stdout.
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
  parse(output) {
    return { text: tail(output.stdout, 4000), isError: false };
  },
};
