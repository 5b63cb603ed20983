/**
 * The environment of every subprocess Jidoka starts is built here, never
 * inherited wholesale: the user's toolchain settings pass through (PATH, HOME,
 * LANG, proxies, JAVA_HOME …), Jidoka's own credentials and anything that
 * would point git at another repository do not. An adapter or the role's
 * `env` puts back exactly what an agent needs (e.g. ANTHROPIC_API_KEY).
 */

/** Variables whose name says they hold a credential. */
const SECRET_NAME =
  /(TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|AUTH|COOKIE|SESSION)/i;

/** Vendors and services whose variables are Jidoka's (or the operator's), not the agent's. */
const SECRET_PREFIXES = [
  'ANTHROPIC_',
  'CLAUDE_',
  'OPENAI_',
  'CODEX_',
  'AZURE_',
  'GEMINI_',
  'GOOGLE_',
  'GCP_',
  'GCLOUD_',
  'AWS_',
  'GH_',
  'GITHUB_',
  'GITLAB_',
  'OPENROUTER_',
  'MISTRAL_',
  'GROQ_',
  'DEEPSEEK_',
  'XAI_',
  'HF_',
  'NPM_',
  'DOCKER_',
  'JIDOKA_',
  'VITEST',
];

/** Variables that would make git in the worktree act on another repository or index. */
const GIT_LOCATION = new Set([
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
]);

/** True when `name` is one Jidoka never passes on by inheritance. */
export function isScrubbed(name: string): boolean {
  if (GIT_LOCATION.has(name)) return true;
  const upper = name.toUpperCase();
  if (SECRET_PREFIXES.some((p) => upper.startsWith(p))) return true;
  return SECRET_NAME.test(name);
}

/**
 * The complete environment for a subprocess: the inherited variables minus
 * scrubbed ones, `TERM=dumb` (no colours or pagers), `TMPDIR` set to the
 * step's own temp dir, then `extra` on top (adapter and role env win).
 */
export function buildEnv(
  extra: Record<string, string>,
  opts: { tmpDir: string; base?: NodeJS.ProcessEnv },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.base ?? process.env)) {
    if (v !== undefined && !isScrubbed(k)) env[k] = v;
  }
  env.TERM = 'dumb';
  env.NO_COLOR = '1';
  env.TMPDIR = opts.tmpDir;
  env.TMP = opts.tmpDir;
  env.TEMP = opts.tmpDir;
  return { ...env, ...extra };
}
