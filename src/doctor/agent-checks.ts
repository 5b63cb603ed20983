import { tmpdir } from 'node:os';
import { buildEnv, runProcess } from '../agents/runner.js';
import { CONFIG_FILE } from '../config/load.js';
import {
  ADAPTERS,
  type AdapterName,
  type AgentConfig,
  type Config,
  ROLES,
  type Role,
} from '../config/schema.js';
import { parseYaml } from '../core/yaml.js';
import { checkAgentSetup } from './agent-setup.js';
import type { DoctorCheck } from './report.js';
import { notExecutable, resolveExecutable } from './which.js';

type CliAdapter = Exclude<AdapterName, 'command'>;

/** How each agent CLI is installed, for the hint when one is missing. */
const INSTALL: Record<CliAdapter, string> = {
  claude: 'npm install -g @anthropic-ai/claude-code',
  codex: 'npm install -g @openai/codex',
  opencode: 'npm install -g opencode-ai',
  gemini: 'npm install -g @google/gemini-cli',
  pi: 'npm install -g @mariozechner/pi-coding-agent',
  aider: 'python -m pip install aider-install && aider-install',
};

/** What each loop cannot do without a role, for the coverage warning. */
const NEEDED_BY: Record<Role, string> = {
  maker: 'execution loop',
  checker: 'execution loop',
  goal: 'execution loop',
  auditor: 'audit loop',
  docs: 'documentation loop',
  diagnose: 'incident drafts',
};

const VERSION_TIMEOUT_MS = 10_000;

export interface AgentCheckInput {
  root: string;
  /** undefined when the config is missing or invalid: only the PATH survey runs. */
  config: Config | undefined;
  configText: string | undefined;
  /** PATH to search; the process's own by default. */
  path?: string | undefined;
}

/**
 * For every configured role: is its CLI (or its `command` argv[0]) there, and
 * what version? A role whose executable is missing fails. Then the agent CLIs
 * no role uses, found on PATH or not, for information.
 */
export async function checkAgents(input: AgentCheckInput): Promise<DoctorCheck[]> {
  const { root, config } = input;
  const lineOf = input.configText ? parseYaml(input.configText).lineOf : () => undefined;
  const at = (path: (string | number)[]) => {
    const line = lineOf(path);
    return line === undefined ? CONFIG_FILE : `${CONFIG_FILE}:${line}`;
  };
  const versions = new Map<string, Promise<VersionProbe>>();
  const probe = (bin: string, env: Record<string, string>) => {
    let p = versions.get(bin);
    if (!p) {
      p = probeVersion(bin, env);
      versions.set(bin, p);
    }
    return p;
  };

  const checks: Promise<DoctorCheck>[] = [];
  const configured = config ? ROLES.filter((r) => config.agents[r]) : [];
  const usedDefaults = new Set<CliAdapter>();
  if (config) {
    for (const role of configured) {
      const agent = config.agents[role]!;
      if (agent.adapter !== 'command' && !agent.bin) usedDefaults.add(agent.adapter);
      checks.push(checkRole(role, agent, { root, path: input.path, at, probe }));
    }
  }
  const roleChecks = await Promise.all(checks);
  const out: DoctorCheck[] = [];
  if (config) out.push(coverage(configured));
  out.push(...roleChecks);
  // What would make every step of a role fail, seen without running it (and so without spending).
  for (const role of configured) {
    const setup = checkAgentSetup(role, config!.agents[role]!);
    if (setup) out.push(setup);
  }
  out.push(
    await surveyOthers(
      ADAPTERS.filter((a): a is CliAdapter => a !== 'command' && !usedDefaults.has(a)),
      { root, path: input.path, probe },
    ),
  );
  return out;
}

function coverage(configured: Role[]): DoctorCheck {
  const missing = ROLES.filter((r) => !configured.includes(r));
  if (!configured.length) {
    return {
      id: 'agents',
      status: 'warn',
      message: 'no agents configured: no loop can run',
      hint: `add a role per line under agents: in ${CONFIG_FILE} (maker, checker, goal, auditor, docs, diagnose)`,
      details: { configured, missing },
    };
  }
  if (missing.length) {
    const loops = [...new Set(missing.map((r) => NEEDED_BY[r]))];
    return {
      id: 'agents',
      status: 'warn',
      message: `roles without an agent: ${missing.join(', ')} (needed by: ${loops.join(', ')})`,
      hint: `add them under agents: in ${CONFIG_FILE} if you use those loops`,
      details: { configured, missing },
    };
  }
  return {
    id: 'agents',
    status: 'ok',
    message: `every role has an agent (${configured.join(', ')})`,
    details: { configured, missing },
  };
}

interface RoleCtx {
  root: string;
  path: string | undefined;
  at: (path: (string | number)[]) => string;
  probe: (bin: string, env: Record<string, string>) => Promise<VersionProbe>;
}

async function checkRole(role: Role, agent: AgentConfig, ctx: RoleCtx): Promise<DoctorCheck> {
  const id = `agent.${role}`;
  const model = agent.model ? ` (${agent.model})` : '';
  if (agent.adapter === 'command') {
    const argv0 = agent.command?.[0] ?? '';
    const found = resolveExecutable(argv0, { cwd: ctx.root, path: ctx.path });
    if (!found) {
      return {
        id,
        status: 'fail',
        message: notExecutable(argv0, ctx.root)
          ? `${role}: command ${JSON.stringify(argv0)} is not executable`
          : `${role}: command ${JSON.stringify(argv0)} not found${argv0.includes('/') ? '' : ' on PATH'} or not executable`,
        hint: `install it, or fix agents.${role}.command (${ctx.at(['agents', role, 'command', 0])})`,
        details: { role, adapter: 'command', command: agent.command ?? [], path: null },
      };
    }
    return {
      id,
      status: 'ok',
      message: `${role}: command ${argv0} → ${found}`,
      details: { role, adapter: 'command', command: agent.command ?? [], path: found },
    };
  }
  const bin = agent.bin ?? agent.adapter;
  const found = resolveExecutable(bin, { cwd: ctx.root, path: ctx.path });
  const details = { role, adapter: agent.adapter, model: agent.model ?? null, bin, path: found ?? null };
  if (!found) {
    return {
      id,
      status: 'fail',
      message: agent.bin
        ? notExecutable(agent.bin, ctx.root)
          ? `${role}: ${agent.bin} (agents.${role}.bin) exists but is not executable: chmod +x it`
          : `${role}: ${agent.adapter} CLI not found at ${agent.bin} (agents.${role}.bin)`
        : `${role}: ${agent.adapter} CLI not found on PATH`,
      hint: agent.bin
        ? `fix agents.${role}.bin (${ctx.at(['agents', role, 'bin'])}), or remove it to use ${agent.adapter} from PATH`
        : `install it (${INSTALL[agent.adapter]}), or set agents.${role}.bin in ${ctx.at(['agents', role])}`,
      details,
    };
  }
  const v = await ctx.probe(found, agent.env);
  if (!v.ok) {
    return {
      id,
      status: 'warn',
      message: `${role}: ${agent.adapter}${model} found at ${found}, but \`--version\` failed: ${v.error}`,
      hint: `run \`${found} --version\` by hand; the CLI may need setup or a login`,
      details: { ...details, version: null },
    };
  }
  return {
    id,
    status: 'ok',
    message: `${role}: ${agent.adapter}${model} → ${found} (${v.version})`,
    details: { ...details, version: v.version },
  };
}

async function surveyOthers(
  adapters: CliAdapter[],
  ctx: Pick<RoleCtx, 'root' | 'path' | 'probe'>,
): Promise<DoctorCheck> {
  const found: { adapter: string; path: string; version: string | null }[] = [];
  const absent: string[] = [];
  await Promise.all(
    adapters.map(async (adapter) => {
      const path = resolveExecutable(adapter, { cwd: ctx.root, path: ctx.path });
      if (!path) {
        absent.push(adapter);
        return;
      }
      const v = await ctx.probe(path, {});
      found.push({ adapter, path, version: v.ok ? v.version : null });
    }),
  );
  const order = (a: string) => ADAPTERS.indexOf(a as AdapterName);
  found.sort((a, b) => order(a.adapter) - order(b.adapter));
  absent.sort((a, b) => order(a) - order(b));
  const parts: string[] = [];
  if (found.length)
    parts.push(`on PATH: ${found.map((f) => `${f.adapter} ${f.version ?? '(version unknown)'}`).join(', ')}`);
  if (absent.length) parts.push(`not found: ${absent.join(', ')}`);
  return {
    id: 'agent-clis',
    status: 'ok',
    message: adapters.length
      ? `other agent CLIs (no role uses them): ${parts.join('; ')}`
      : 'every agent CLI is used by a role',
    details: { found, missing: absent },
  };
}

type VersionProbe = { ok: true; version: string } | { ok: false; error: string };

/** `<bin> --version` through the one runner, with a short timeout; the first non-empty output line is the version. */
async function probeVersion(bin: string, env: Record<string, string>): Promise<VersionProbe> {
  const tmp = tmpdir();
  const r = await runProcess({
    file: bin,
    args: ['--version'],
    cwd: tmp,
    env: buildEnv(env, { tmpDir: tmp }),
    timeoutMs: VERSION_TIMEOUT_MS,
    killGraceMs: 1000,
    maxOutputBytes: 64 * 1024,
  });
  const firstLine = (s: string) =>
    s
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean);
  if (r.spawnError) return { ok: false, error: r.spawnError };
  if (r.timedOut) return { ok: false, error: `no answer within ${VERSION_TIMEOUT_MS / 1000}s` };
  if (r.exitCode !== 0)
    return { ok: false, error: firstLine(r.stderr) ?? firstLine(r.stdout) ?? `exit ${r.exitCode}` };
  return { ok: true, version: firstLine(r.stdout) ?? firstLine(r.stderr) ?? 'unknown' };
}
