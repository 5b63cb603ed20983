import type { TestSummary } from '../core/types.js';

/**
 * What a test run said about itself, read from its console output: totals
 * for the spec-drift "fewer tests" rule and failing test ids for the
 * repeat-failure fingerprint. Pure; knows vitest, jest, mocha, node:test (TAP
 * and spec reporters), pytest and go test. Undefined when no known summary
 * is found, so callers never mistake "unknown" for "zero tests".
 */
export function parseTestOutput(output: string): TestSummary | undefined {
  const text = stripAnsi(output).replace(/\r\n?/g, '\n');
  for (const parse of PARSERS) {
    const summary = parse(text);
    if (summary) return summary;
  }
  return undefined;
}

type Parser = (text: string) => TestSummary | undefined;

const PARSERS: Parser[] = [vitest, jest, pytest, nodeTest, mocha, goTest];

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g;
export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/** "2 failed | 10 passed | 1 skipped (13)" style counts: word → number. */
function counts(s: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of s.matchAll(/(\d+)\s+([a-z]+)/gi)) {
    const key = m[2]!.toLowerCase();
    out[key] = (out[key] ?? 0) + Number(m[1]);
  }
  return out;
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs.map((x) => x.trim()).filter(Boolean))];
}

function vitest(text: string): TestSummary | undefined {
  // "      Tests  2 failed | 10 passed | 1 skipped (13)"
  const lines = [...text.matchAll(/^\s*Tests\s{2,}(.+?)\s*\((\d+)\)\s*$/gm)];
  if (!lines.length) return undefined;
  let total = 0;
  const c: Record<string, number> = {};
  for (const m of lines) {
    total += Number(m[2]);
    for (const [k, v] of Object.entries(counts(m[1]!))) c[k] = (c[k] ?? 0) + v;
  }
  const failing = uniq(
    [...text.matchAll(/^\s*FAIL\s+(\S.*? > .+?)(?:\s+\[[^\]]*\])?\s*$/gm)].map((m) => m[1]!),
  );
  return {
    total,
    passed: c.passed ?? 0,
    failed: c.failed ?? 0,
    skipped: (c.skipped ?? 0) + (c.todo ?? 0),
    failing,
  };
}

function jest(text: string): TestSummary | undefined {
  // "Tests:       1 failed, 2 skipped, 5 passed, 8 total"
  const lines = [...text.matchAll(/^Tests:\s+(.+?\d+ total)\s*$/gm)];
  if (!lines.length) return undefined;
  const c: Record<string, number> = {};
  for (const m of lines) for (const [k, v] of Object.entries(counts(m[1]!))) c[k] = (c[k] ?? 0) + v;
  const failing: string[] = [];
  let file = '';
  for (const line of text.split('\n')) {
    const f = /^\s*FAIL\s+(\S+)/.exec(line);
    if (f) file = f[1]!;
    const t = /^\s*●\s+(.+?)\s*$/.exec(line);
    if (t && !/^Test suite failed to run/.test(t[1]!)) failing.push(file ? `${file} > ${t[1]}` : t[1]!);
  }
  return {
    total: c.total ?? 0,
    passed: c.passed ?? 0,
    failed: c.failed ?? 0,
    skipped: (c.skipped ?? 0) + (c.todo ?? 0),
    failing: uniq(failing),
  };
}

function pytest(text: string): TestSummary | undefined {
  // "==== 2 failed, 10 passed, 1 skipped in 0.12s ====" or "5 passed in 0.01s" (-q)
  const m = [
    ...text.matchAll(
      /^=*\s*((?:\d+ (?:failed|passed|skipped|errors?|xfailed|xpassed|deselected|warnings?)(?:, )?)+) in [\d.]+s\b.*$/gm,
    ),
  ].pop();
  const none = /^=+ no tests ran in [\d.]+s =+$/m.test(text);
  if (!m && !none) return undefined;
  const c = m ? counts(m[1]!) : {};
  const failed = (c.failed ?? 0) + (c.error ?? 0) + (c.errors ?? 0);
  const passed = (c.passed ?? 0) + (c.xpassed ?? 0);
  const skipped = (c.skipped ?? 0) + (c.xfailed ?? 0);
  const failing = uniq([...text.matchAll(/^(?:FAILED|ERROR)\s+(\S+?)(?:\s+-\s.*)?$/gm)].map((x) => x[1]!));
  return { total: failed + passed + skipped, passed, failed, skipped, failing };
}

function nodeTest(text: string): TestSummary | undefined {
  // TAP: "# tests 5\n# pass 4\n# fail 1"; spec reporter: "ℹ tests 5"
  const re = /^(?:#|ℹ)\s+(tests|pass|fail|skipped|todo|cancelled)\s+(\d+)\s*$/gm;
  const c: Record<string, number> = {};
  for (const m of text.matchAll(re)) c[m[1]!] = (c[m[1]!] ?? 0) + Number(m[2]);
  if (c.tests === undefined) return undefined;
  const failing = uniq([
    ...[...text.matchAll(/^\s*not ok \d+ - (.+?)(?:\s+#.*)?$/gm)].map((m) => m[1]!),
    ...[...text.matchAll(/^\s*✖ (.+?)(?: \([\d.]+m?s\))?$/gm)]
      .map((m) => m[1]!)
      .filter((n) => !/^failing tests:$/.test(n)),
  ]);
  return {
    total: c.tests,
    passed: c.pass ?? 0,
    failed: (c.fail ?? 0) + (c.cancelled ?? 0),
    skipped: (c.skipped ?? 0) + (c.todo ?? 0),
    failing,
  };
}

function mocha(text: string): TestSummary | undefined {
  // "  5 passing (10ms)\n  2 failing\n  1 pending"
  const passing = /^\s+(\d+) passing\b/m.exec(text);
  if (!passing) return undefined;
  const failingN = Number(/^\s+(\d+) failing\s*$/m.exec(text)?.[1] ?? 0);
  const pending = Number(/^\s+(\d+) pending\s*$/m.exec(text)?.[1] ?? 0);
  const passed = Number(passing[1]);
  const failing: string[] = [];
  const at = text.search(/^\s+\d+ failing\s*$/m);
  // After the summary: "  1) suite\n       nested suite\n         test title:" (the title ends with ":").
  const lines = at >= 0 ? text.slice(at).split('\n') : [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s+\d+\) (.+)$/.exec(lines[i]!);
    if (!m) continue;
    const parts = [m[1]!.trim()];
    while (!parts[parts.length - 1]!.endsWith(':') && i + 1 < lines.length && /^\s{5,}\S/.test(lines[i + 1]!))
      parts.push(lines[++i]!.trim());
    failing.push(parts.join(' > ').replace(/:$/, ''));
  }
  return {
    total: passed + failingN + pending,
    passed,
    failed: failingN,
    skipped: pending,
    failing: uniq(failing),
  };
}

function goTest(text: string): TestSummary | undefined {
  const results = [...text.matchAll(/^\s*--- (PASS|FAIL|SKIP): (\S+)/gm)];
  const pkgSummary = /^(?:ok|FAIL)\s+\S+\s+(?:[\d.]+s|\(cached\)|\[no test files\])/m.test(text);
  if (!results.length || !pkgSummary) return undefined;
  const by = (s: string) => results.filter((m) => m[1] === s).map((m) => m[2]!);
  const failing = uniq(by('FAIL'));
  // Without -v only failures are listed, so the total is unknown.
  const verbose = /^=== RUN\s/m.test(text);
  return {
    total: verbose ? results.length : undefined,
    passed: verbose ? by('PASS').length : undefined,
    failed: failing.length,
    skipped: verbose ? by('SKIP').length : undefined,
    failing,
  };
}
