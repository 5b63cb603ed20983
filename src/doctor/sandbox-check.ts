import { ROLES } from '../config/roles.js';
import type { Config } from '../config/schema.js';
import { BWRAP_INSTALL, bwrapStatus, MODE_NONE_GIVES_UP } from '../sandbox/bwrap.js';
import { roleWritable } from '../sandbox/writable.js';
import type { DoctorCheck } from './report.js';

/**
 * The `sandbox` check: bwrap is installed and works (a probe run), and what
 * each configured role can write from inside it. Missing bwrap fails with
 * the install command, unless `sandbox.mode: none` was set on purpose: then a
 * warning that says what that gives up.
 */
export function checkSandbox(
  config: Config | undefined,
  opts: { path?: string | undefined } = {},
): DoctorCheck {
  const mode = config?.sandbox.mode ?? 'bwrap';
  if (mode === 'none')
    return {
      id: 'sandbox',
      status: 'warn',
      message: `sandbox.mode is none: ${MODE_NONE_GIVES_UP}`,
      hint: `${BWRAP_INSTALL}, then remove \`sandbox: { mode: none }\` from jidoka.yaml`,
      details: { mode },
    };
  const status = bwrapStatus({ ...(opts.path !== undefined ? { path: opts.path } : {}), fresh: true });
  const writable = config ? writableByRole(config) : {};
  if (!status.ok)
    return {
      id: 'sandbox',
      status: 'fail',
      message: `${status.problem}: no agent step or check can run (sandbox.mode is bwrap)`,
      hint: `${BWRAP_INSTALL}, or set \`sandbox: { mode: none }\` in jidoka.yaml on purpose (then ${MODE_NONE_GIVES_UP})`,
      details: { mode, problem: status.problem },
    };
  const lines = Object.entries(writable).map(([role, paths]) => `${role} writes: ${paths.join(', ')}`);
  return {
    id: 'sandbox',
    status: 'ok',
    message: [`bwrap works (${status.path}); everything else is read-only`, ...lines].join('\n'),
    details: { mode, bwrap: status.path, writable },
  };
}

/** Each configured role's writable paths, in words where they depend on the step (from the one derivation). */
export function writableByRole(config: Config): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const role of ROLES) {
    const agent = config.agents[role];
    if (!agent) continue;
    const cwd =
      role === 'auditor' ? '<scratch checkout>' : role === 'docs' ? '<docs worktree>' : '<worktree>';
    out[role] = roleWritable(
      { role, cwd, stepDir: '<step dir>', ...(role === 'auditor' ? { plansDir: '<plans staging>' } : {}) },
      agent.sandbox?.writable,
    );
  }
  out.checks = ['<worktree>', '<check temp dir>', ...config.sandbox.writable];
  // Your git hooks, when Jidoka's git runs them on a plan's work (src/sandbox/hooks.ts).
  out.hooks = ['<worktree>', '<hook temp dir>', ...config.sandbox.writable];
  return out;
}
