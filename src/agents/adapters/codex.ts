import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { costFromPrice, jsonLines, num, obj, str, tail, usage } from '../parse-util.js';
import type { Adapter, AdapterInput, ParsedOutput } from '../types.js';

/**
 * OpenAI Codex CLI (`codex exec`, verified against 0.169). The prompt goes on
 * stdin (`-`); `--json` prints JSONL events; `-o` writes the last message.
 * Every role runs in its worktree (`-C`): a checker rooted anywhere else
 * would read other code than the plan's.
 *
 * Inside Jidoka's bwrap sandbox codex's own sandbox is turned off
 * (`danger-full-access`): codex builds its sandbox from bwrap or landlock
 * itself, which needs namespaces a nested sandbox does not get, and Jidoka's
 * sandbox already enforces what each role may write. Under `sandbox.mode:
 * none` codex's `workspace-write` sandbox is all there is: rooted at the
 * worktree, so a judging role could edit it (codex always lets its cwd be
 * written; Jidoka's check that the checker left the worktree untouched
 * catches that), with /tmp and TMPDIR excluded and its report dirs added.
 * Codex reports tokens, not cost: cost comes from the role's `price` table
 * when one is set.
 */
export const LAST_MESSAGE_FILE = 'last-message.txt';

export const codex: Adapter = {
  name: 'codex',
  defaultBin: 'codex',
  passEnv: ['OPENAI_*', 'CODEX_*'],
  invocation(input: AdapterInput) {
    const { agent } = input;
    const args = ['exec', '--json', '--skip-git-repo-check', '-C', input.cwd];
    if (agent.model) args.push('-m', agent.model);
    args.push('-o', join(input.stepDir, LAST_MESSAGE_FILE));
    const mode = input.sandboxed ? 'danger-full-access' : 'workspace-write';
    args.push('-c', `sandbox_mode="${mode}"`, '-c', 'approval_policy="never"');
    // Without this codex lingers ~5 s at exit flushing analytics.
    args.push('-c', 'analytics.enabled=false', '--disable', 'plugins');
    if (!input.sandboxed) {
      if (input.readOnly)
        args.push(
          '-c',
          'sandbox_workspace_write.exclude_slash_tmp=true',
          '-c',
          'sandbox_workspace_write.exclude_tmpdir_env_var=true',
        );
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
