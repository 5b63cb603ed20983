import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * CLI tests run the built `dist/cli/main.js` as a user would. Build once
 * before any test so they never run stale code; type errors are reported by
 * `npm run typecheck`/`npm test`, not here (tsc still emits).
 */
export default async function setup(): Promise<void> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', root], {
      cwd: root,
      stdio: 'pipe',
    });
  } catch {
    // tsc exits non-zero on type errors but still writes dist/.
  }
  // The rest of `npm run build`: the wiki linter's workers as single files, as users run them.
  execFileSync(process.execPath, [join(root, 'scripts', 'bundle-workers.mjs')], { cwd: root, stdio: 'pipe' });
  // And the `jidoka` executable, dist/cli/bin.cjs, which the status start-up tests run.
  execFileSync(process.execPath, [join(root, 'scripts', 'bundle-status.mjs')], { cwd: root, stdio: 'pipe' });
  // The real agent CLIs of the contract tests, into their cache outside the repository (a no-op when
  // there). A failed install is not fatal here: the contract tests then fail, saying how to install.
  const { ensureClis } = await import(join(root, 'scripts', 'agent-clis.mjs'));
  try {
    ensureClis(undefined, (line: string) => console.log(`agent CLIs: ${line}`));
  } catch (err) {
    console.error(`agent CLIs: ${(err as Error).message}`);
  }
}
