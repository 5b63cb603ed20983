#!/usr/bin/env node
// A scripted stand-in for a coding-agent CLI, driven through the `command`
// adapter exactly as a user's custom agent would be. It never calls a model:
// what it does on its Nth call for a role is read from a script file.
//
// Usage (as `command:` in jidoka.yaml):
//   [node, tests/support/fake-agent.mjs, --script, /abs/script.json]
// The script maps a role to a list of steps; call N of that role runs
// steps[N-1] (the last step repeats once the list runs out). A counter file
// next to the script keeps N across processes, so a resumed run continues.
//
// A step is a list of actions, run in order:
//   { "write": "path", "content": "text" }       write a file (relative to cwd)
//   { "append": "path", "content": "text" }      append to a file
//   { "delete": "path" }                          delete a file
//   { "rename": "from", "to": "to" }              rename a file
//   { "sh": "command" }                           run a shell command in cwd
//   { "report": { ... } }                         write JSON to the report file
//   { "reportRaw": "text" }                       write raw text to the report file
//   { "stdout": "text" } / { "stderr": "text" }   print
//   { "sleep": ms }                               wait, silently
//   { "hang": true }                              never exit, never print
//   { "hangPrinting": ms }                        never exit, print every ms
//   { "printFor": ms, "every": ms }               print a line every `every` ms for `printFor` ms (slow, talkative)
//   { "touchFor": ms, "every": ms, "path": p }    rewrite file p every `every` ms for `touchFor` ms, silently
//   { "spawnChild": true, "pidFile": p }          start a child that outlives this process; its pid goes to p,
//                                                 a tag in its argv to p.tag (a sandboxed pid is not the host's)
//   { "flood": bytes }                            print that many bytes to stdout
//   { "exit": code }                              exit now with code
//   { "kill": "SIGKILL" }                          signal this process itself
// Placeholders in strings: {role} {plan} {chunk} {attempt} {call} {scriptDir}.
import { execSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';

const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const scriptPath = opt('--script') ?? process.env.FAKE_AGENT_SCRIPT;
if (!scriptPath) {
  process.stderr.write('fake-agent: --script <file> is required\n');
  process.exit(64);
}
const role = opt('--role') ?? process.env.JIDOKA_ROLE ?? 'maker';
const reportFile = opt('--report') ?? process.env.JIDOKA_REPORT_FILE;
const script = JSON.parse(readFileSync(scriptPath, 'utf8'));

const counterFile = `${scriptPath}.calls.json`;
const counts = existsSync(counterFile) ? JSON.parse(readFileSync(counterFile, 'utf8')) : {};
const call = (counts[role] ?? 0) + 1;
counts[role] = call;
// Atomically (write, then rename): a test polling the counter must never read half a file.
writeFileSync(`${counterFile}.${process.pid}.tmp`, JSON.stringify(counts));
renameSync(`${counterFile}.${process.pid}.tmp`, counterFile);

// Read the prompt from stdin when one is piped, so the runner's stdin write never blocks.
if (!process.stdin.isTTY) process.stdin.resume().on('data', () => {});

const steps = script[role] ?? [];
const step = steps.length ? steps[Math.min(call, steps.length) - 1] : [];
const vars = {
  role,
  plan: process.env.JIDOKA_PLAN ?? '',
  chunk: process.env.JIDOKA_CHUNK ?? '',
  attempt: process.env.JIDOKA_ATTEMPT ?? '',
  call: String(call),
  scriptDir: dirname(resolve(scriptPath)),
};
const fill = (s) => String(s).replace(/\{(role|plan|chunk|attempt|call|scriptDir)\}/g, (_, k) => vars[k]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (const a of step) {
  if ('write' in a) {
    const p = resolve(fill(a.write));
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, fill(a.content ?? ''));
  } else if ('append' in a) appendFileSync(resolve(fill(a.append)), fill(a.content ?? ''));
  else if ('delete' in a) rmSync(resolve(fill(a.delete)), { force: true, recursive: true });
  else if ('rename' in a) renameSync(resolve(fill(a.rename)), resolve(fill(a.to)));
  else if ('sh' in a) execSync(fill(a.sh), { stdio: 'inherit' });
  else if ('report' in a) writeFileSync(reportFile, JSON.stringify(a.report));
  else if ('reportRaw' in a) writeFileSync(reportFile, fill(a.reportRaw));
  else if ('stdout' in a) process.stdout.write(fill(a.stdout));
  else if ('stderr' in a) process.stderr.write(fill(a.stderr));
  else if ('sleep' in a) await sleep(a.sleep);
  else if ('hang' in a) await new Promise(() => setInterval(() => {}, 1 << 30));
  else if ('hangPrinting' in a) {
    for (;;) {
      process.stdout.write('working...\n');
      await sleep(a.hangPrinting);
    }
  } else if ('printFor' in a) {
    for (const end = Date.now() + a.printFor; Date.now() < end; ) {
      process.stdout.write('still working...\n');
      await sleep(a.every ?? 500);
    }
  } else if ('touchFor' in a) {
    const p = resolve(fill(a.path));
    mkdirSync(dirname(p), { recursive: true });
    for (let i = 0, end = Date.now() + a.touchFor; Date.now() < end; i++) {
      writeFileSync(p, `step ${i}\n`);
      await sleep(a.every ?? 500);
    }
  } else if ('spawnChild' in a) {
    const tag = `jidoka-fake-child-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', tag], { stdio: 'ignore' });
    if (a.pidFile) {
      writeFileSync(resolve(fill(a.pidFile)), String(child.pid));
      writeFileSync(`${resolve(fill(a.pidFile))}.tag`, tag);
    }
    child.unref();
  } else if ('flood' in a) {
    const chunk = 'x'.repeat(64 * 1024);
    let left = a.flood;
    while (left > 0) {
      const piece = chunk.slice(0, Math.min(left, chunk.length));
      if (!process.stdout.write(piece)) await new Promise((r) => process.stdout.once('drain', r));
      left -= piece.length;
    }
  } else if ('exit' in a) await exitFlushed(a.exit);
  else if ('kill' in a) process.kill(process.pid, a.kill);
}
await exitFlushed(0);

// process.exit drops stdout still queued for a pipe; wait for both streams to flush first.
async function exitFlushed(code) {
  await new Promise((r) => process.stdout.write('', r));
  await new Promise((r) => process.stderr.write('', r));
  process.exit(code);
}
