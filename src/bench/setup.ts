import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config/load.js';
import { runGitSync } from '../git/run.js';
import { addDetachedWorktree, removeWorktree } from '../git/worktree.js';
import { manifestDigest, runSetup } from '../loops/execute/setup.js';
import { startRun } from '../loops/run-record.js';

/**
 * `npm run bench` (worktree setup): what a new worktree's setup costs with a
 * real small npm project (pino, pino-pretty, execa, yaml, commander: their
 * dependency tree from the npm cache), through Jidoka's own runSetup with
 * the sandbox on: a fresh `npm ci` (the first worktree, which also stores
 * its node_modules in the cache) against the copy of that install that the
 * next worktree with the same lockfile gets (`worktree.reuse`). Rounds
 * alternate in the same run, so the machine's load weighs on both alike.
 */
const ROUNDS = Number(process.env.BENCH_SETUP_ROUNDS ?? 3);
const NPM_CI = 'npm ci --prefer-offline --no-audit --no-fund --loglevel=error';

const PACKAGE = {
  name: 'bench-setup',
  version: '1.0.0',
  private: true,
  dependencies: {
    commander: '^14.0.3',
    execa: '^9.6.1',
    pino: '^10.4.0',
    'pino-pretty': '^13.2.0',
    yaml: '^2.9.1',
  },
};

/** A repository with the project committed (its lockfile made from the npm cache) and a .jidoka folder. */
function project(dir: string): string {
  const root = join(dir, 'repo');
  execFileSync('mkdir', ['-p', root]);
  writeFileSync(join(root, 'package.json'), `${JSON.stringify(PACKAGE, null, 2)}\n`);
  writeFileSync(join(root, '.gitignore'), '.jidoka/\nnode_modules/\n');
  execFileSync('npm', ['install', '--package-lock-only', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'ignore',
  });
  runGitSync(root, ['init', '-q', '-b', 'main']);
  runGitSync(root, ['add', '-A']);
  runGitSync(root, ['-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '-m', 'project']);
  return root;
}

async function timeSetup(
  root: string,
  name: string,
  reuse: boolean,
): Promise<{ ms: number; reused: boolean }> {
  const config = parseConfig(
    `worktree:\n  setup: [${JSON.stringify(NPM_CI)}]\n  reuse: [${reuse ? 'node_modules' : ''}]\nsandbox:\n  writable: ["~/.npm"]\n`,
  );
  const worktree = join(root, '.jidoka', 'worktrees', name);
  await addDetachedWorktree(root, worktree, 'main');
  try {
    const run = startRun(root, name);
    const started = performance.now();
    const failed = await runSetup({
      config,
      root,
      worktree,
      run,
      chunk: 1,
      attempt: 1,
      reason: 'bench',
      fresh: true,
      digest: await manifestDigest(worktree),
    });
    const ms = performance.now() - started;
    if (failed) throw new Error(failed.message);
    if (!existsSync(join(worktree, 'node_modules', 'pino', 'package.json')))
      throw new Error('setup left no node_modules/pino');
    const step = run.steps.at(-1)?.detail as { reused?: string[] } | undefined;
    return { ms, reused: Boolean(step?.reused) };
  } finally {
    await removeWorktree(root, worktree);
  }
}

function count(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n++;
  return n;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jidoka-bench-setup-'));
  try {
    const root = project(dir);
    const fresh: number[] = [];
    const copied: number[] = [];
    // The first worktree with reuse on fills the cache (a fresh npm ci); every later one copies.
    await timeSetup(root, 'warm', true);
    for (let i = 0; i < ROUNDS; i++) {
      const f = await timeSetup(root, `fresh-${i}`, false);
      if (f.reused) throw new Error('a setup without worktree.reuse reused an install');
      fresh.push(f.ms);
      const c = await timeSetup(root, `reuse-${i}`, true);
      if (!c.reused) throw new Error('the install was not reused');
      copied.push(c.ms);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const entry = readdirSync(join(root, '.jidoka', 'cache', 'setup')).find((n) => !n.startsWith('.'));
    const files = entry ? count(join(root, '.jidoka', 'cache', 'setup', entry, 'files', 'node_modules')) : 0;
    const f = median(fresh);
    const c = median(copied);
    console.log(
      `worktree setup: a small npm project (${files} files in node_modules), sandboxed, ${ROUNDS} rounds`,
    );
    console.log(
      `  fresh \`npm ci\`        ${(f / 1000).toFixed(2)} s (median; ${fresh.map((x) => (x / 1000).toFixed(2)).join(', ')})`,
    );
    console.log(
      `  reused (cp -a copy)   ${(c / 1000).toFixed(2)} s (median; ${copied.map((x) => (x / 1000).toFixed(2)).join(', ')})`,
    );
    console.log(
      `  reuse saves ${((f - c) / 1000).toFixed(2)} s per new worktree; ratio ${(f / c).toFixed(1)}x`,
    );
    console.log(`  load: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
