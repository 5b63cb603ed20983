import { num, obj, str, tail, usage } from '../parse-util.js';
import type { Adapter, AdapterInput, ParsedOutput } from '../types.js';

/**
 * Claude Code (`claude -p`, verified against 2.1.x). The prompt goes on
 * stdin; `--output-format json` prints one result object at the end.
 *
 * Permissions without `--dangerously-skip-permissions` (which refuses to run
 * as root): editing roles get `acceptEdits` plus Bash; read-only roles get
 * `dontAsk` with read tools, a few read-only git commands, and edit rights
 * only under the step dir (the report) and, for the auditor, the plans dir.
 * Refused tool uses come back in `permission_denials` with exit 0.
 */
const READ_TOOLS = ['Read', 'Glob', 'Grep', 'LS'];
const READ_ONLY_BASH = ['git diff', 'git log', 'git show', 'git status', 'git ls-files'].map(
  (c) => `Bash(${c}:*)`,
);

export const claude: Adapter = {
  name: 'claude',
  defaultBin: 'claude',
  passEnv: ['ANTHROPIC_*', 'CLAUDE_*'],
  invocation(input: AdapterInput) {
    const { agent } = input;
    const args = ['-p', '--output-format', 'json'];
    if (agent.model) args.push('--model', agent.model);
    if (agent.maxTurns) args.push('--max-turns', String(agent.maxTurns));
    if (agent.maxBudgetUsd) args.push('--max-budget-usd', String(agent.maxBudgetUsd));
    args.push('--add-dir', ...input.writableDirs);
    if (input.readOnly) {
      // An absolute path in a permission rule is written with a leading `//`.
      const editRules = input.writableDirs.map((d) => `Edit(/${d}/**)`);
      args.push(
        '--permission-mode',
        'dontAsk',
        '--allowedTools',
        ...READ_TOOLS,
        ...READ_ONLY_BASH,
        ...editRules,
      );
    } else {
      args.push('--permission-mode', 'acceptEdits', '--allowedTools', 'Bash', ...READ_TOOLS, 'Edit', 'Write');
    }
    args.push(...agent.args);
    return {
      file: agent.bin ?? 'claude',
      args,
      env: {
        // No traffic but the model API, and no minutes of retries on a bad key.
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_TELEMETRY: '1',
        DISABLE_ERROR_REPORTING: '1',
        DISABLE_AUTOUPDATER: '1',
        CLAUDE_CODE_MAX_RETRIES: '2',
      },
    };
  },
  parse(output) {
    return parseClaude(output.stdout, output.stderr);
  },
};

/** Read the `type:"result"` object (the last one when `stream-json` was asked for). */
export function parseClaude(stdout: string, stderr: string): ParsedOutput {
  const result = findResult(stdout);
  if (!result) {
    return {
      text: tail(stderr || stdout) || 'claude printed no result',
      isError: true,
      subtype: 'unparseable',
    };
  }
  const subtype = str(result.subtype);
  const u = obj(result.usage);
  const cached = num(u?.cache_read_input_tokens) ?? 0;
  const input = (num(u?.input_tokens) ?? 0) + (num(u?.cache_creation_input_tokens) ?? 0) + cached;
  const denials = Array.isArray(result.permission_denials)
    ? result.permission_denials.map((d) => {
        const o = obj(d);
        const toolInput = obj(o?.tool_input);
        const what = str(toolInput?.file_path) ?? str(toolInput?.command) ?? JSON.stringify(toolInput ?? {});
        return `${str(o?.tool_name) ?? 'tool'}: ${what}`;
      })
    : [];
  const text = str(result.result) ?? (Array.isArray(result.errors) ? result.errors.join('\n') : '');
  return {
    text,
    isError: result.is_error === true || (subtype !== undefined && subtype !== 'success'),
    ...(subtype ? { subtype } : {}),
    ...(num(result.total_cost_usd) !== undefined ? { costUsd: num(result.total_cost_usd) } : {}),
    ...(u ? { usage: usage(input, num(u.output_tokens) ?? 0, cached) } : {}),
    ...(str(result.session_id) ? { sessionId: str(result.session_id) } : {}),
    ...(num(result.num_turns) !== undefined ? { turns: num(result.num_turns) } : {}),
    ...(denials.length ? { permissionDenials: denials } : {}),
  };
}

function findResult(stdout: string): Record<string, unknown> | undefined {
  const whole = stdout.trim();
  try {
    const v = obj(JSON.parse(whole));
    if (v?.type === 'result') return v;
  } catch {}
  const lines = whole.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const v = obj(JSON.parse(lines[i] as string));
      if (v?.type === 'result') return v;
    } catch {}
  }
  return undefined;
}
