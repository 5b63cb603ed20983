#!/usr/bin/env node
/**
 * The real agent CLIs the contract tests drive (tests/agents/contract*.test.ts),
 * at pinned versions, installed once into a cache outside the repository:
 * `~/.cache/jidoka-clis/<name>@<version>/` (or `$JIDOKA_CLI_CACHE`). They are
 * not dependencies of the product: a user installs the CLI they configure.
 * .ci/run and the tests' global setup call `install`; an installed version is
 * reused as it is, so a warm run costs a few `stat`s.
 *
 *   node scripts/agent-clis.mjs install [name ...]   install what is missing, print timings
 *   node scripts/agent-clis.mjs path <name>          print the CLI's executable
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** name → npm package, pinned version, executable. Raise a version here and rerun the contract tests. */
export const AGENT_CLIS = {
  claude: { pkg: '@anthropic-ai/claude-code', version: '2.1.197', bin: 'claude' },
  codex: { pkg: '@openai/codex', version: '0.169.0', bin: 'codex' },
  opencode: { pkg: 'opencode-ai', version: '1.18.33', bin: 'opencode' },
  gemini: { pkg: '@google/gemini-cli', version: '0.61.0', bin: 'gemini' },
  pi: { pkg: '@mariozechner/pi-coding-agent', version: '0.73.1', bin: 'pi' },
};

export function cacheRoot() {
  return process.env.JIDOKA_CLI_CACHE || join(homedir(), '.cache', 'jidoka-clis');
}

function spec(name) {
  const cli = AGENT_CLIS[name];
  if (!cli) throw new Error(`unknown agent CLI "${name}": one of ${Object.keys(AGENT_CLIS).join(', ')}`);
  return cli;
}

export function installDir(name) {
  return join(cacheRoot(), `${name}@${spec(name).version}`);
}

/** The executable of an installed CLI; throws, saying how to install it, when it is not there. */
export function cliBin(name) {
  const dir = installDir(name);
  const bin = join(dir, 'node_modules', '.bin', spec(name).bin);
  if (!existsSync(join(dir, '.installed')) || !existsSync(bin))
    throw new Error(
      `${name} ${spec(name).version} is not installed in ${dir}: run \`node scripts/agent-clis.mjs install ${name}\``,
    );
  return bin;
}

/**
 * Install `name` unless its version is already there. The install goes to a
 * temp folder beside the final one and is renamed into place, so a process
 * that finds the folder finds a complete install, and two concurrent callers
 * (two test workers) never see a half-written one. Returns the seconds spent
 * (0 when warm).
 */
export function ensureCli(name) {
  const { pkg, version } = spec(name);
  const dir = installDir(name);
  if (existsSync(join(dir, '.installed'))) return 0;
  const started = Date.now();
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // Its own package.json, so npm installs here and never walks up into a repository.
  writeFileSync(join(tmp, 'package.json'), `${JSON.stringify({ name: `jidoka-cli-${name}`, private: true })}\n`);
  try {
    execFileSync(
      'npm',
      ['install', '--prefix', tmp, '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@${version}`],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } },
    );
    writeFileSync(join(tmp, '.installed'), `${pkg}@${version}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (existsSync(join(dir, '.installed'))) return 0; // another caller finished first
    const stderr = err.stderr ? String(err.stderr).trim().split('\n').slice(-5).join('\n') : err.message;
    throw new Error(`could not install ${pkg}@${version} into ${dir}:\n${stderr}`);
  }
  return (Date.now() - started) / 1000;
}

/** Install every CLI named (all when none is), one after the other; throws after trying them all. */
export function ensureClis(names = Object.keys(AGENT_CLIS), log = () => {}) {
  const failed = [];
  for (const name of names) {
    try {
      const s = ensureCli(name);
      log(`${name} ${spec(name).version}: ${s ? `installed in ${s.toFixed(1)} s` : 'cached'}`);
    } catch (err) {
      failed.push(err.message);
    }
  }
  if (failed.length) throw new Error(failed.join('\n'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, ...names] = process.argv.slice(2);
  try {
    if (command === 'install') {
      const started = Date.now();
      ensureClis(names.length ? names : undefined, (line) => console.log(`agent CLIs: ${line}`));
      console.log(`agent CLIs: ready in ${cacheRoot()} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } else if (command === 'path' && names.length === 1) {
      console.log(cliBin(names[0]));
    } else {
      console.error('usage: node scripts/agent-clis.mjs install [name ...] | path <name>');
      process.exit(2);
    }
  } catch (err) {
    console.error(`agent CLIs: ${err.message}`);
    process.exit(1);
  }
}
