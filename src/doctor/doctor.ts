import { checkAgents } from './agent-checks.js';
import { checkConfig } from './config-check.js';
import { checkBranch, checkGit, checkRepo } from './git-checks.js';
import { probeAgents } from './probe.js';
import { type DoctorReport, makeReport } from './report.js';
import { checkSandbox } from './sandbox-check.js';
import {
  checkGitignore,
  checkLock,
  checkPlans,
  checkStateDir,
  checkWiki,
  checkWorktrees,
} from './state-checks.js';

/**
 * Every check, in the order a person fixes things: git, the repository, the
 * config, the agents it names, the scaffolded folders, then runtime state.
 * Checks never throw for a finding; outside a repository only the checks that
 * need no repository run. With `probe`, every configured role's CLI is then
 * run once (probe.ts), which spends a little; without it nothing is spent.
 */
export async function runDoctor(
  cwd: string,
  opts: { path?: string; probe?: boolean } = {},
): Promise<DoctorReport> {
  const gitCheck = checkGit();
  const { root, check: repo } = checkRepo(cwd);
  if (!root) {
    const agents = await checkAgents({
      root: cwd,
      config: undefined,
      configText: undefined,
      path: opts.path,
    });
    return makeReport([await gitCheck, repo, ...agents, checkSandbox(undefined, opts)]);
  }
  const config = checkConfig(root);
  const [git, branch, agents, gitignore, worktrees] = await Promise.all([
    gitCheck,
    checkBranch(root, config.loaded?.config.git.mainBranch ?? ''),
    checkAgents({ root, config: config.loaded?.config, configText: config.loaded?.text, path: opts.path }),
    checkGitignore(root),
    checkWorktrees(root),
  ]);
  return makeReport([
    git,
    repo,
    branch,
    config.check,
    ...agents,
    checkSandbox(config.loaded?.config, opts),
    checkWiki(root),
    checkPlans(root),
    checkStateDir(root),
    gitignore,
    checkLock(root),
    worktrees,
    ...(opts.probe && config.loaded ? await probeAgents(root, config.loaded.config) : []),
  ]);
}
