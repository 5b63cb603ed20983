import type { AgentConfig } from '../config/schema.js';
import { clipEnd } from '../core/text.js';
import type { AgentUsage } from './types.js';

/** Helpers shared by the adapters' output parsers. */

/** Every line of `text` that parses as a JSON object, in order; other lines are skipped. */
export function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      const v = JSON.parse(t) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    } catch {
      // A partial or interleaved line: not an event.
    }
  }
  return out;
}

/** The whole text as one JSON object, else the last line that is one. */
export function lastJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text.trim()) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {}
  const lines = jsonLines(text);
  return lines[lines.length - 1];
}

/**
 * The JSON object that ends `text`, pretty-printed over several lines or not
 * (gemini prints its error object to stderr after its log lines).
 */
export function trailingJsonObject(text: string): Record<string, unknown> | undefined {
  const t = text.trimEnd();
  if (!t.endsWith('}')) return undefined;
  // Try each `{` that starts a line, from the last one up.
  for (let at = t.lastIndexOf('{'); at >= 0; at = at > 0 ? t.lastIndexOf('{', at - 1) : -1) {
    if (at > 0 && t[at - 1] !== '\n') continue;
    try {
      const v = JSON.parse(t.slice(at)) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // an object inside the one we want, or not JSON: look further up
    }
  }
  return undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export function usage(input: number, output: number, cached?: number): AgentUsage {
  return {
    inputTokens: input,
    outputTokens: output,
    ...(cached !== undefined ? { cachedInputTokens: cached } : {}),
    totalTokens: input + output,
  };
}

/**
 * Cost from tokens and the role's `price` table (USD per million tokens), for
 * CLIs that report tokens but no cost. Undefined without a price.
 */
/**
 * Usage summed over a CLI's per-turn events (opencode's step_finish, pi's
 * message_end): input counts cache reads and writes, `cached` the reads
 * alone; cost only when some event reported one, so "no cost" stays distinct
 * from "cost 0".
 */
export class UsageTally {
  private input = 0;
  private cached = 0;
  private output = 0;
  private cost = 0;
  private sawCost = false;

  add(t: {
    input?: unknown;
    cacheRead?: unknown;
    cacheWrite?: unknown;
    output?: unknown;
    cost?: unknown;
  }): void {
    const read = num(t.cacheRead) ?? 0;
    this.cached += read;
    this.input += (num(t.input) ?? 0) + read + (num(t.cacheWrite) ?? 0);
    this.output += num(t.output) ?? 0;
    const c = num(t.cost);
    if (c !== undefined) {
      this.sawCost = true;
      this.cost += c;
    }
  }

  get usage(): AgentUsage {
    return usage(this.input, this.output, this.cached);
  }

  /** `{ costUsd }` when a cost was reported, else nothing: spread into a ParsedOutput. */
  get costField(): { costUsd?: number } {
    return this.sawCost ? { costUsd: this.cost } : {};
  }
}

export function costFromPrice(agent: AgentConfig, u: AgentUsage | undefined): number | undefined {
  if (!agent.price || !u) return undefined;
  const cached = u.cachedInputTokens ?? 0;
  const cachedPrice = agent.price.cachedInputPerMTok ?? agent.price.inputPerMTok;
  const usd =
    (u.inputTokens - cached) * agent.price.inputPerMTok +
    cached * cachedPrice +
    u.outputTokens * agent.price.outputPerMTok;
  return usd / 1_000_000;
}

/** The end of `text` (where the error is), trimmed, within `maxBytes`: what an error message quotes. */
export function tail(text: string, maxBytes = 2000): string {
  return clipEnd(text.trim(), maxBytes);
}

/** Prompts above this go by file reference instead of argv (Linux caps one argument at 128 KiB). */
const MAX_ARGV_PROMPT = 100 * 1024;

/** For CLIs that take the prompt as an argument: the prompt itself, or a pointer to its file when too long. */
export function promptArg(prompt: string, promptFile: string): string {
  if (Buffer.byteLength(prompt) <= MAX_ARGV_PROMPT) return prompt;
  return `Your complete instructions are in the file ${promptFile}. Read that file first and follow it exactly.`;
}
