import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adapters } from '../agents/adapters/index.js';
import { passedEnv, READ_ONLY_ROLES } from '../agents/run-agent.js';
import type { AdapterInput } from '../agents/types.js';
import type { AgentConfig, Role } from '../config/schema.js';
import type { DoctorCheck } from './report.js';

/**
 * What doctor can tell about a role's CLI setup without running it (and so
 * without spending): the environment and HOME its step will really have,
 * and the command line its adapter builds. A role whose step would fail on
 * every run for a reason visible here gets a check `agent.<role>.setup`:
 *
 * - gemini refuses an untrusted folder (exit 55), and every worktree is a
 *   new folder: its command line must carry `--skip-trust`.
 * - claude and codex need credentials: an API key variable passed to the
 *   step, or a credentials file in the config folder the step will read.
 *   A sandboxed step has a private, empty HOME unless the role's `env` sets
 *   one, so a login in the user's own HOME is not seen by it.
 */
export function checkAgentSetup(
  role: Role,
  agent: AgentConfig,
  from: NodeJS.ProcessEnv = process.env,
): DoctorCheck | undefined {
  if (agent.adapter === 'gemini') return geminiTrust(role, agent);
  if (agent.adapter === 'claude' || agent.adapter === 'codex') return credentials(role, agent, from);
  return undefined;
}

/** The command line the adapter would build for this role (pure; paths are placeholders). */
function commandLine(role: Role, agent: AgentConfig): string[] {
  const dir = '/doctor/step';
  const input: AdapterInput = {
    role,
    agent,
    prompt: 'doctor',
    cwd: '/doctor/worktree',
    stepDir: dir,
    promptFile: join(dir, 'prompt.md'),
    reportFile: join(dir, 'report.json'),
    readOnly: READ_ONLY_ROLES.includes(role),
    writableDirs: [dir],
    sandboxed: (agent.sandbox?.mode ?? 'bwrap') === 'bwrap',
  };
  return adapters[agent.adapter].invocation(input).args;
}

function geminiTrust(role: Role, agent: AgentConfig): DoctorCheck {
  return trustCheck(role, commandLine(role, agent));
}

/** gemini's trust check on the command line its step will run with. */
export function trustCheck(role: Role, args: string[]): DoctorCheck {
  const id = `agent.${role}.setup`;
  if (args.includes('--skip-trust'))
    return {
      id,
      status: 'ok',
      message: `${role}: gemini runs with --skip-trust (each worktree is a new folder)`,
    };
  return {
    id,
    status: 'fail',
    message: `${role}: gemini will refuse every worktree as an untrusted folder (it exits 55): its command line has no --skip-trust`,
    hint: `add --skip-trust to agents.${role}.args, or update Jidoka (its gemini adapter passes it)`,
    details: { role, adapter: 'gemini', args },
  };
}

const KEYS: Record<'claude' | 'codex', string[]> = {
  claude: [
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_AUTH_TOKEN',
    'CLAUDE_CODE_OAUTH_TOKEN',
    'CLAUDE_CODE_USE_BEDROCK',
    'CLAUDE_CODE_USE_VERTEX',
  ],
  codex: ['OPENAI_API_KEY', 'CODEX_API_KEY'],
};

function credentials(role: Role, agent: AgentConfig, from: NodeJS.ProcessEnv): DoctorCheck {
  const adapter = agent.adapter as 'claude' | 'codex';
  const id = `agent.${role}.setup`;
  const env = { ...passedEnv(adapters[adapter], from), ...agent.env };
  const key = KEYS[adapter].find((k) => env[k]);
  if (key) return { id, status: 'ok', message: `${role}: ${adapter} gets credentials from ${key}` };
  // codex with a provider of the role's own (`-c model_provider=…`) takes its key from that provider's env_key.
  if (adapter === 'codex' && agent.args.some((a) => a.includes('model_provider')))
    return { id, status: 'ok', message: `${role}: codex uses the model provider its args configure` };
  const sandboxed = (agent.sandbox?.mode ?? 'bwrap') === 'bwrap';
  const home = env.HOME ?? (sandboxed ? undefined : from.HOME);
  const dirVar = adapter === 'claude' ? 'CLAUDE_CONFIG_DIR' : 'CODEX_HOME';
  const configDir =
    env[dirVar] ?? (home ? join(home, adapter === 'claude' ? '.claude' : '.codex') : undefined);
  const file = configDir && join(configDir, adapter === 'claude' ? '.credentials.json' : 'auth.json');
  if (file && readable(file))
    return { id, status: 'ok', message: `${role}: ${adapter} gets credentials from ${file}` };
  const looked = [
    `${KEYS[adapter].join(', ')} (passed to the step or in agents.${role}.env)`,
    file ?? `${dirVar} (the step's HOME is private and empty: the role's env sets no HOME)`,
  ];
  return {
    id,
    status: 'warn',
    message: `${role}: ${adapter} has no credentials its step can see; looked for ${looked.join('; ')}`,
    hint: `export ${KEYS[adapter][0]}, or set agents.${role}.env.${dirVar} to the folder holding your ${adapter} login; \`jidoka doctor --probe\` tries it`,
    details: { role, adapter, looked },
  };
}

function readable(file: string): boolean {
  try {
    return existsSync(file) && readFileSync(file, 'utf8').trim().length > 0;
  } catch {
    return false;
  }
}
