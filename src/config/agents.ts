import { JidokaError } from '../core/errors.js';
import type { AgentConfig, Config, Role } from './schema.js';

/**
 * The agent configured for `role`, or a usage error that says which key to
 * add. Loops call this before they start, so a missing role fails at once
 * with the fix, not halfway through a plan.
 */
export function requireAgent(config: Config, role: Role): AgentConfig {
  const agent = config.agents[role];
  if (agent) return agent;
  throw new JidokaError(`no agent is configured for the ${role} role`, {
    exitCode: 2,
    hint: `add agents.${role} to jidoka.yaml, e.g. ${role}: { adapter: claude, model: sonnet } (see the file \`jidoka init\` writes)`,
  });
}

/** How long one step of this agent may run: its own `timeout`, else `limits.agentTimeout`. */
export function agentTimeoutMs(config: Config, agent: AgentConfig): number {
  return agent.timeout ?? config.limits.agentTimeout;
}
