#!/usr/bin/env node
// Jidoka's main job, end to end, on a scratch repository: `npm run demo`.
// No model is reachable from a test machine, so every agent role is played
// by the scripted agent (tests/support/fake-agent.mjs) through the `command`
// adapter, exactly as a custom agent would be plugged in. Every step prints
// the command and its output, and checks the exit code it must have; the demo
// exits non-zero if any step does not behave.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(here, '..', 'dist', 'cli', 'main.js');
const AGENT = resolve(here, '..', 'tests', 'support', 'fake-agent.mjs');
const repo = mkdtempSync(join(tmpdir(), 'jidoka-demo-'));
// The script in a folder of its own, the one place outside its paths the sandbox lets the
// scripted agent write (it keeps its call counter there), as a real CLI keeps its state.
const scriptDir = `${repo}-agent`;
mkdirSync(scriptDir);
const script = join(scriptDir, 'script.json');
let failures = 0;

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
function section(title) {
  console.log(`\n${bold(`=== ${title}`)}`);
}
function sh(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}
function jidoka(args, expect = 0, { maxLines = 40 } = {}) {
  console.log(bold(`$ jidoka ${args.join(' ')}`));
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, JIDOKA_LOG_LEVEL: 'warn' },
  });
  const out = `${r.stdout}${r.stderr}`.trimEnd().split('\n');
  console.log(out.slice(0, maxLines).join('\n') + (out.length > maxLines ? `\n  … (${out.length - maxLines} more lines)` : ''));
  const ok = r.status === expect;
  console.log(ok ? `(exit ${r.status}, as expected)` : `!! exit ${r.status}, expected ${expect}`);
  if (!ok) failures++;
  return r;
}
function write(rel, text) {
  mkdirSync(dirname(join(repo, rel)), { recursive: true });
  writeFileSync(join(repo, rel), text);
}

// The scripted agent: what each role does on its Nth call.
const wikiPage = [
  'mkdir -p wiki/20_SYSTEM && cat > wiki/20_SYSTEM/greeting.md <<EOF',
  '---',
  'title: Greeting',
  'type: system',
  'sources:',
  '  - src/**',
  'verified: $(git rev-parse HEAD)',
  'updated: $(date -u +%Y-%m-%d)',
  '---',
  '# Greeting',
  '',
  'The greeting module says hello and goodbye: src/greet.js exports greet() and farewell().',
  'EOF',
].join('\n');
writeFileSync(
  script,
  JSON.stringify({
    maker: [
      // Plan add-farewell, chunk 1, attempt 1: a test and a wrong implementation (the checks catch it).
      [
        { write: 'tests/farewell.test.js', content: "const test = require('node:test');\nconst assert = require('node:assert');\nconst { farewell } = require('../src/greet.js');\ntest('farewell says goodbye', () => assert.strictEqual(farewell('Ada'), 'Goodbye, Ada!'));\n" },
        { write: 'src/greet.js', content: "exports.greet = (name) => `Hello, ${name}!`;\nexports.farewell = (name) => `Bye, ${name}`;\n" },
        { stdout: 'Done: farewell() implemented and tested.\n' },
      ],
      // Attempt 2: it reads the failing output and fixes the implementation.
      [{ write: 'src/greet.js', content: "exports.greet = (name) => `Hello, ${name}!`;\nexports.farewell = (name) => `Goodbye, ${name}!`;\n" }],
      // Attempt 3: it addresses the checker's reasons.
      [
        { write: 'src/greet.js', content: "exports.greet = (name) => `Hello, ${name}!`;\nexports.farewell = (name) => (name ? `Goodbye, ${name}!` : 'Goodbye!');\n" },
        { append: 'tests/farewell.test.js', content: "test('farewell without a name', () => assert.strictEqual(farewell(), 'Goodbye!'));\n" },
      ],
      // Chunk 2.
      [{ append: 'README.md', content: '\nfarewell(name) says goodbye; without a name it says "Goodbye!".\n' }],
      // The second plan: a maker that "fixes" the suite by deleting a test.
      [{ delete: 'tests/greet.test.js' }, { stdout: 'All tests pass now. Done!\n' }],
    ],
    checker: [
      [{ report: { decision: 'reject', reasons: ['farewell() without a name returns "Goodbye, undefined!"; handle it and test it'] } }],
      [{ report: { decision: 'approve', reasons: ['both cases are tested and pass'] } }],
      [{ report: { decision: 'approve', reasons: ['the README says what farewell() does'] } }],
    ],
    goal: [[{ report: { met: true, evidence: ['node --test passes', 'farewell("Ada") is "Goodbye, Ada!"'] } }]],
    docs: [[{ sh: wikiPage }, { report: { pages: ['wiki/20_SYSTEM/greeting.md'], notes: 'documented the greeting module' } }]],
    diagnose: [
      [
        {
          report: {
            whys: [
              { why: 'Why did the line stop?', hypothesis: 'the maker deleted tests/greet.test.js', verification: 'the diff shows the deletion; spec-drift guard fired', conclusion: 'the maker removed a test instead of fixing code' },
              { why: 'Why did it delete the test?', hypothesis: 'the chunk asked it to make the suite green', verification: 'the plan says "make the tests pass"', conclusion: 'the plan rewarded green over correct' },
              { why: 'Why did the plan allow that?', hypothesis: 'its scope included tests/**', verification: 'plan frontmatter scope', conclusion: 'scope was wider than the work' },
            ],
            rootCause: 'the plan scoped tests/** for a code-only change',
            countermeasure: { measure: 'plans that change code only do not list tests in scope', level: 'L3', where: 'agents/CONTEXT.md Standards' },
          },
        },
      ],
    ],
  }),
);

section(`a scratch repository at ${repo}`);
sh('git', ['init', '-q', '-b', 'main']);
sh('git', ['config', 'user.name', 'Demo User']);
sh('git', ['config', 'user.email', 'demo@example.invalid']);
write('README.md', '# greet\n\ngreet(name) says hello.\n');
write('package.json', '{ "name": "greet", "private": true, "scripts": { "test": "node --test tests/" } }\n');
write('src/greet.js', 'exports.greet = (name) => `Hello, ${name}!`;\n');
write('tests/greet.test.js', "const test = require('node:test');\nconst assert = require('node:assert');\nconst { greet } = require('../src/greet.js');\ntest('greet says hello', () => assert.strictEqual(greet('Ada'), 'Hello, Ada!'));\n");
sh('git', ['add', '-A']);
sh('git', ['commit', '-q', '-m', 'a tiny project']);
console.log('a tiny node project with one test, committed on main');

section('scaffold and configure');
jidoka(['init'], 0, { maxLines: 12 });
const agent = (role) =>
  `  ${role}: { adapter: command, command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(AGENT)}, --script, ${JSON.stringify(script)}], sandbox: { writable: [${JSON.stringify(scriptDir)}] } }`;
const config = readFileSync(join(repo, 'jidoka.yaml'), 'utf8');
const agents = `agents:\n${['maker', 'checker', 'goal', 'auditor', 'docs', 'diagnose'].map(agent).join('\n')}\n`;
write(
  'jidoka.yaml',
  config
    .replace(/^agents:\n(?:[ #].*\n|\n)*/m, agents)
    .replace(/^checks:\n(?:[ #].*\n|\n)*/m, 'checks:\n  - node --test tests/\n')
    .replace(/^docs:\n(?: .*\n)*/m, 'docs:\n  commit: main\n  uncovered: ["src/**"]\n'),
);
console.log('jidoka.yaml: every role played by the scripted agent; checks: node --test tests/; docs commit to main');
sh('git', ['add', '-A']);
sh('git', ['commit', '-q', '-m', 'jidoka init']);
jidoka(['doctor'], 0, { maxLines: 20 });

section('a plan: proposed, validated, approved');
const plan = (id, title, chunks, scope) => `---
id: ${id}
title: ${title}
status: proposed
risk: low
skill: tdd
scope:
${scope.map((s) => `  - ${s}`).join('\n')}
goal:
  statement: greet.js exports farewell(name) returning "Goodbye, <name>!" and every test passes
  checks:
    - node --test tests/
created: 2026-11-21
---
## Context

The greeting module can say hello but not goodbye.

${chunks}`;
write('plans/add-farewell.md', plan('add-farewell', 'Add farewell()', '## Chunk 1: farewell() with its test\n\nWrite tests/farewell.test.js (farewell("Ada") is "Goodbye, Ada!"), then make it pass in src/greet.js.\n\n## Chunk 2: Document farewell\n\nOne line in README.md.\n', ['src/**', 'tests/farewell.test.js', 'README.md']));
jidoka(['plan', 'list']);
jidoka(['plan', 'validate']);
jidoka(['plan', 'approve', 'add-farewell']);
jidoka(['prompt', 'maker', 'add-farewell', '--chunk', '2'], 0, { maxLines: 15 });

section('the execution loop: maker → checks → guards → checker, per chunk, in a worktree');
jidoka(['run', 'add-farewell']);
jidoka(['review', 'add-farewell'], 0, { maxLines: 22 });
jidoka(['merge', 'add-farewell']);
console.log(sh('git', ['log', '--oneline', '-4']));

section('the documentation loop and the wiki');
jidoka(['docs', 'sync'], 0, { maxLines: 20 });
jidoka(['wiki', 'lint'], 0, { maxLines: 20 });

section('Andon: a maker that deletes a test to get green');
write('plans/green-at-any-cost.md', plan('green-at-any-cost', 'Make the suite green', '## Chunk 1: Make the tests pass\n\nWhatever it takes.\n', ['src/**', 'tests/**']));
sh('git', ['add', '-A']);
sh('git', ['commit', '-q', '-m', 'a risky plan']);
jidoka(['plan', 'approve', 'green-at-any-cost']);
jidoka(['run', 'green-at-any-cost'], 1);
jidoka(['status'], 1);
const list = JSON.parse(spawnSync(process.execPath, [CLI, 'andon', 'list', '--json'], { cwd: repo, encoding: 'utf8' }).stdout);
const incident = list.incidents.find((i) => i.status !== 'resolved') ?? list.incidents[0];
jidoka(['andon', 'show', incident.id], 0, { maxLines: 30 });
console.log(bold('$ git for-each-ref refs/andon'));
console.log(sh('git', ['for-each-ref', '--format=%(refname) %(objectname:short)', 'refs/andon']));
jidoka(['merge', 'add-farewell'], 1, { maxLines: 3 });
jidoka(['andon', 'resolve', incident.id, '--root-cause', 'the plan scoped tests/** for a code-only change', '--countermeasure', 'plans that change code only do not list tests in their scope', '--level', 'L3']);
jidoka(['status']);
console.log(bold('$ tail -4 agents/CONTEXT.md'));
console.log(readFileSync(join(repo, 'agents', 'CONTEXT.md'), 'utf8').trimEnd().split('\n').slice(-4).join('\n'));

section("the line's lean figures, from the run records it just wrote");
jidoka(['metrics'], 0, { maxLines: 20 });
{
  // The same figures as JSON, held against the records: chunks accepted in the plans' checkpoints (not the goal's record),
  // incident pages, and spend in the run records.
  const m = JSON.parse(spawnSync(process.execPath, [CLI, 'metrics', '--json'], { cwd: repo, encoding: 'utf8' }).stdout);
  const stateDir = join(repo, '.jidoka', 'state', 'plans');
  const states = readdirSync(stateDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(stateDir, f), 'utf8')));
  const accepted = new Set(states.flatMap((s) => s.attempts.filter((a) => a.outcome === 'accepted' && !a.goal).map((a) => `${s.plan}/${a.chunk}`)));
  const pages = readdirSync(join(repo, 'wiki', '90_LOG', 'incidents')).filter((f) => f.startsWith('INC-'));
  const runsDir = join(repo, '.jidoka', 'runs');
  const cost = readdirSync(runsDir)
    .filter((d) => existsSync(join(runsDir, d, 'run.json'))) // beside the runs: the diagnose agent's folders
    .map((d) => JSON.parse(readFileSync(join(runsDir, d, 'run.json'), 'utf8')))
    .reduce((n, r) => n + r.steps.reduce((k, st) => k + (st.costUsd ?? 0), 0), 0);
  const checks = [
    ['chunks accepted', m.chunks.accepted, accepted.size],
    ['incidents', m.andon.incidents, pages.length],
    ['spend (USD)', m.spend.costUsd.toFixed(4), cost.toFixed(4)],
  ];
  for (const [what, figure, records] of checks) {
    const ok = figure === records;
    console.log(`${ok ? 'matches' : '!! differs'}: ${what}: metrics ${figure}, records ${records}`);
    if (!ok) failures++;
  }
}

section('the board on this line');
// What a user types next: the daemon serves the board (the default board.port; the demo's jidoka.yaml keeps it) and
// writes the token on its first start. `jidoka` is this checkout's executable (package.json bin).
const BIN = resolve(here, '..', 'dist', 'cli', 'bin.cjs');
console.log(`in another terminal:  cd ${repo} && node ${BIN} daemon`);
console.log('then open http://127.0.0.1:7420/ to watch; the actions (approve, pull the cord, resolve) need the token');
console.log(`the daemon writes to ${join(repo, '.jidoka', 'board.token')} on its first start:`);
console.log(`  xdg-open "http://127.0.0.1:7420/#token=$(cat ${join(repo, '.jidoka', 'board.token')})"`);

section(failures ? `demo finished with ${failures} unexpected result(s)` : 'demo finished: every step behaved as expected');
console.log(`the scratch repository stays at ${repo}`);
process.exit(failures ? 1 : 0);
