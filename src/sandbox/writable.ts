import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../config/roles.js';

/**
 * What each step may write, decided here and nowhere else (DESIGN.md,
 * "Isolation"). Roles that judge write nothing but their step directory:
 * they read the worktree. `configured` is `sandbox.writable` (global, then the
 * role's own): further paths such as a CLI's own state folder.
 */
export interface StepPaths {
  role: Role;
  /** The process's cwd: the worktree, the auditor's scratch checkout, the docs worktree. */
  cwd: string;
  /** The step's run record directory (report, private HOME and TMPDIR live here). */
  stepDir: string;
  /** JIDOKA_PLANS_DIR when the step proposes plans (auditor, diagnose's revised plan). */
  plansDir?: string;
}

export function roleWritable(step: StepPaths, configured: readonly string[] = []): string[] {
  const own: Record<Role, string[]> = {
    maker: [step.cwd],
    checker: [],
    goal: [],
    auditor: [step.cwd],
    docs: [step.cwd],
    diagnose: [],
  };
  const plans = step.plansDir ? [step.plansDir] : [];
  return [...own[step.role], step.stepDir, ...plans, ...configured.map(expandHome)];
}

/** The checks (and the worktree's setup commands) run code an agent may have written: the worktree, their temp dir. */
export function checkWritable(cwd: string, tmpDir: string, configured: readonly string[] = []): string[] {
  return [cwd, tmpDir, ...configured.map(expandHome)];
}

/** The private HOME and TMPDIR of a sandboxed agent step, inside its step directory. */
export function privateDirs(stepDir: string): { home: string; tmp: string } {
  return { home: join(stepDir, 'home'), tmp: join(stepDir, 'tmp') };
}

/** `~` and `~/x` name the user's real home (a CLI's state folder lives there), not the step's private one. */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}
