import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { costFromPrice, jsonLines, num, obj, str, tail, usage } from '../parse-util.js';
import type { Adapter, AdapterInput, ParsedOutput } from '../types.js';

/**
 * OpenAI Codex CLI (`codex exec`, verified against 0.169). The prompt goes on
 * stdin (`-`); `--json` prints JSONL events; `-o` writes the last message.
 *
 * Editing roles run in the `workspace-write` sandbox rooted at the worktree.
 * Read-only roles run the same sandbox rooted at the step dir (`-C`), with
 * /tmp and TMPDIR excluded: the agent reads the whole disk but can write only
 * its report (and the auditor's plans dir). Codex reports tokens, not cost:
 * cost comes from the role's `price` table when one is set.
 */
export const LAST_MESSAGE_FILE = 'last-message.txt';

export const codex: Adapter = {
  name: 'codex',
  defaultBin: 'codex',
  passEnv: ['OPENAI_*', 'CODEX_*'],
  invocation(input: AdapterInput) {
    const { agent } = input;
    const [stepDir, ...otherWritable] = input.writableDirs;
    const root = input.readOnly ? (stepDir ?? input.stepDir) : input.cwd;
    const args = ['exec', '--json', '--skip-git-repo-check', '-C', root];
    if (agent.model) args.push('-m', agent.model);
    args.push('-o', join(input.stepDir, LAST_MESSAGE_FILE));
    args.push('-c', 'sandbox_mode="workspace-write"', '-c', 'approval_policy="never"');
    // Without this codex lingers ~5 s at exit flushing analytics.
    args.push('-c', 'analytics.enabled=false', '--disable', 'plugins');
    if (input.readOnly) {
      args.push(
        '-c',
        'sandbox_workspace_write.exclude_slash_tmp=true',
        '-c',
        'sandbox_workspace_write.exclude_tmpdir_env_var=true',
      );
      for (const d of otherWritable) args.push('--add-dir', d);
    } else {
      for (const d of input.writableDirs) args.push('--add-dir', d);
    }
    args.push(...agent.args, '-');
    return { file: agent.bin ?? 'codex', args, env: {} };
  },
  parse(output, input) {
    const parsed = parseCodex(output.stdout, output.stderr);
    const lastFile = join(input.stepDir, LAST_MESSAGE_FILE);
    if (!parsed.isError && existsSync(lastFile))
      parsed.text = readFileSync(lastFile, 'utf8').trim() || parsed.text;
    const cost = costFromPrice(input.agent, parsed.usage);
    if (cost !== undefined) parsed.costUsd = cost;
    return parsed;
  },
};

export function parseCodex(stdout: string, stderr: string): ParsedOutput {
  const events = jsonLines(stdout);
  let sessionId: string | undefined;
  let text = '';
  let turns = 0;
  let input = 0;
  let cached = 0;
  let out = 0;
  let sawUsage = false;
  let failure: string | undefined;
  for (const e of events) {
    const type = str(e.type);
    if (type === 'thread.started') sessionId = str(e.thread_id) ?? sessionId;
    else if (type === 'item.completed') {
      const item = obj(e.item);
      if (item?.type === 'agent_message') text = str(item.text) ?? text;
    } else if (type === 'turn.completed') {
      turns++;
      const u = obj(e.usage);
      if (u) {
        sawUsage = true;
        input += num(u.input_tokens) ?? 0;
        cached += num(u.cached_input_tokens) ?? 0;
        out += num(u.output_tokens) ?? 0;
      }
    } else if (type === 'turn.failed') {
      turns++;
      failure = str(obj(e.error)?.message) ?? 'turn failed';
    }
    // Top-level `error` events ("Reconnecting… 1/5") and `error` items (unknown
    // model metadata) are warnings; only turn.failed ends the run badly.
  }
  const common = {
    ...(sessionId ? { sessionId } : {}),
    ...(sawUsage ? { usage: usage(input, out, cached) } : {}),
    ...(turns ? { turns } : {}),
  };
  if (failure) return { text: failure, isError: true, subtype: 'turn.failed', ...common };
  if (!turns)
    return {
      text: tail(stderr || stdout) || 'codex printed no events',
      isError: true,
      subtype: events.length ? 'incomplete' : 'unparseable',
      ...common,
    };
  return { text, isError: false, subtype: 'success', ...common };
}
