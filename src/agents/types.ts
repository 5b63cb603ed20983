import type { AdapterName, AgentConfig, Role } from '../config/schema.js';

/** Tokens an agent CLI reported for a run (summed over its turns). */
export interface AgentUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  totalTokens: number;
}

/** What an adapter read from its CLI's machine-readable output. */
export interface ParsedOutput {
  /** The agent's final message (or the tail of its output when the CLI has no structure). */
  text: string;
  /** The CLI said the run failed (API error, turn limit, budget, unparseable output). */
  isError: boolean;
  /** The CLI's own word for how it ended (`success`, `error_max_turns`, `turn.failed`, `unparseable` …). */
  subtype?: string;
  costUsd?: number;
  usage?: AgentUsage;
  sessionId?: string;
  turns?: number;
  /** Tool uses the CLI refused (claude's `permission_denials`): a finding, not a crash. */
  permissionDenials?: string[];
}

/** Everything an adapter needs to build one invocation. */
export interface AdapterInput {
  role: Role;
  agent: AgentConfig;
  prompt: string;
  /** Worktree (repo root for auditor and docs); the process's cwd. */
  cwd: string;
  stepDir: string;
  promptFile: string;
  reportFile: string;
  /** True for roles that judge and must not edit the worktree. */
  readOnly: boolean;
  /** Directories the agent must be able to write even when read-only (step dir, plans dir). */
  writableDirs: string[];
  /** True when the step runs inside Jidoka's bwrap sandbox (a CLI's own sandbox is then redundant). */
  sandboxed: boolean;
}

/** The command line an adapter asks the runner to start. */
export interface AgentInvocation {
  file: string;
  args: string[];
  /** stdin; defaults to the prompt. */
  input?: string;
  /** Variables the CLI needs on top of the scrubbed environment. */
  env: Record<string, string>;
}

export interface AdapterOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/**
 * One agent CLI. `invocation` is pure (argv and env from config); `parse`
 * turns the CLI's output into a ParsedOutput and never throws: output it
 * cannot read is an error result saying so.
 */
export interface Adapter {
  name: AdapterName;
  /** The executable looked up on PATH unless the role sets `bin`. */
  defaultBin: string;
  /** Names (or `PREFIX_*` patterns) of inherited variables this CLI needs: its own credentials and endpoints. */
  passEnv: string[];
  invocation(input: AdapterInput): AgentInvocation;
  parse(output: AdapterOutput, input: AdapterInput): ParsedOutput;
}
