import picomatch from 'picomatch';
import type { Limits } from '../config/schema.js';
import type { CheckResult, FileChange, Finding } from '../core/types.js';
import { finding } from './finding.js';
import {
  ASSERTION_PATTERNS,
  BYPASS_PATTERNS,
  countMatches,
  GATE_FILES,
  GATE_LINES,
  type LinePattern,
  matchesTestFile,
  SKIP_PATTERNS,
  SNAPSHOT_FILE,
  TEST_CONFIG_FILES,
  TEST_CONFIG_LINES,
  TEST_DECLARATION_PATTERNS,
} from './patterns.js';
import { findSecrets } from './secrets.js';

/**
 * The detectors that judge one attempt from facts Jidoka computed itself:
 * the diff against the chunk's start, the check results and the maker's exit
 * code. Pure functions; every finding has confidence 1.0 because nothing
 * here is guessed from an agent's words.
 */
export interface GuardInput {
  /** The plan's scope globs. */
  scope: string[];
  /** This attempt's changes against the chunk's start. */
  changes: FileChange[];
  /** Test files that existed at the plan's base commit (list them with isTestFile). */
  baseTestFiles: string[];
  /** The configured check commands (files they name are gates). */
  checkCommands: string[];
  /** This attempt's check results. */
  checks: CheckResult[];
  /** Tests reported by the last accepted state, for the "fewer tests" rule. */
  previousTestTotal?: number;
  /** Added paths that .gitignore ignores (forceAddedIgnored). */
  ignoredForceAdded: string[];
  makerExitCode: number | null;
  limits: Limits;
}

/** Every attempt-level detector, most severe first. */
export function runGuards(input: GuardInput): Finding[] {
  return [
    guardSecrets(input.changes, input.ignoredForceAdded),
    guardGateTampering(input.changes, input.scope, input.checkCommands),
    guardSpecDrift(input),
    guardScope(input.changes, input.scope, input.limits),
    guardFalseDone(input.changes, input.checks, input.makerExitCode),
  ].filter((f): f is Finding => f !== undefined);
}

/** The one table of test-file patterns (JS/TS, Python, Go, Rust, Ruby, Java). */
export function isTestFile(path: string): boolean {
  return matchesTestFile(path);
}

// ── scope fence ────────────────────────────────────────────────────────────

/**
 * Files changed outside the plan's scope. A rename counts when either side
 * is outside; a deletion counts like any change. A scope entry without glob
 * characters also covers everything under it (`src/auth` = `src/auth/**`).
 */
export function outOfScope(changes: FileChange[], scope: string[]): string[] {
  const inScope = scopeMatcher(scope);
  const out = new Set<string>();
  for (const c of changes) {
    if (!inScope(c.path)) out.add(c.path);
    if (c.oldPath && !inScope(c.oldPath)) out.add(c.oldPath);
  }
  return [...out].sort();
}

export function scopeMatcher(scope: string[]): (path: string) => boolean {
  const globs = scope.flatMap((g) => {
    const clean = g.replace(/^\.\//, '').replace(/\/+$/, '');
    return picomatch.scan(clean).isGlob ? [clean] : [clean, `${clean}/**`];
  });
  if (!globs.length) return () => false;
  return picomatch(globs, { dot: true });
}

export function guardScope(changes: FileChange[], scope: string[], limits: Limits): Finding | undefined {
  const files = outOfScope(changes, scope);
  if (files.length < limits.outOfScopeBlock) return undefined;
  const rollback = files.length >= limits.outOfScopeRollback;
  return finding(
    'scope',
    'scope_creep',
    `${files.length} file${files.length === 1 ? '' : 's'} changed outside the plan's scope${rollback ? ` (${limits.outOfScopeRollback} or more: the chunk is rolled back)` : ''}: ${preview(files)}`,
    { files, scope, block: limits.outOfScopeBlock, rollback: limits.outOfScopeRollback },
    { action: rollback ? 'rollback' : 'block', line: rollback ? 'red' : 'yellow' },
  );
}

// ── spec drift ─────────────────────────────────────────────────────────────

/**
 * The tests got weaker: an existing test file deleted or renamed to a
 * non-test path, assertions or test cases removed from an existing test,
 * skip/only/todo markers added, fewer tests reported than the last accepted
 * state, an existing snapshot rewritten, or test-runner config changed.
 * Files the plan's scope names literally (no wildcards) are exempt from the
 * file-level rules: a human approved touching exactly them.
 */
export function guardSpecDrift(
  input: Pick<GuardInput, 'changes' | 'baseTestFiles' | 'checks' | 'previousTestTotal' | 'scope'>,
): Finding | undefined {
  const base = new Set(input.baseTestFiles);
  const named = namedInScope(input.scope);
  const reasons: string[] = [];
  const evidence: Record<string, unknown> = {};
  const add = (key: string, item: unknown, reason: string) => {
    const list = (evidence[key] as unknown[] | undefined) ?? [];
    list.push(item);
    evidence[key] = list;
    reasons.push(reason);
  };

  for (const c of input.changes) {
    const before = c.oldPath ?? c.path;
    const existed = base.has(before);
    if (existed && c.status === 'deleted' && !named(c.path)) add('deletedTests', c.path, `deleted ${c.path}`);
    if (existed && c.status === 'renamed' && !isTestFile(c.path) && !named(before))
      add('renamedTests', { from: before, to: c.path }, `renamed ${before} to non-test ${c.path}`);
    if (existed && (c.status === 'modified' || c.status === 'renamed')) {
      for (const [key, table] of [
        ['removedAssertions', ASSERTION_PATTERNS],
        ['removedTests', TEST_DECLARATION_PATTERNS],
      ] as const) {
        const removed = netRemoved(table, c);
        if (removed > 0)
          add(
            key,
            { path: c.path, count: removed },
            `${removed} ${key === 'removedTests' ? 'test case' : 'assertion'}${removed === 1 ? '' : 's'} removed from ${c.path}`,
          );
      }
    }
    if (isTestFile(c.path) && c.status !== 'deleted') {
      for (const p of SKIP_PATTERNS) {
        const n = countMatches(p, c.path, c.addedLines) - countMatches(p, c.path, c.removedLines);
        if (n > 0)
          add('skipMarkers', { path: c.path, marker: p.name, count: n }, `${p.name} added in ${c.path}`);
      }
    }
    if (SNAPSHOT_FILE.test(before) && c.status !== 'added' && !named(c.path))
      add('snapshots', c.path, `snapshot ${before} ${c.status === 'deleted' ? 'deleted' : 'rewritten'}`);
    const config =
      (TEST_CONFIG_FILES.some((re) => re.test(c.path) || re.test(before)) && !named(c.path)) ||
      TEST_CONFIG_LINES.some((p) => changedLines(p, c) > 0);
    if (config) add('testConfig', c.path, `test runner config ${c.path} changed`);
  }

  const total = reportedTotal(input.checks);
  if (input.previousTestTotal !== undefined && total !== undefined && total < input.previousTestTotal) {
    evidence.testCount = { before: input.previousTestTotal, after: total };
    reasons.push(`the checks report ${total} tests, ${input.previousTestTotal} before`);
  }
  if (!reasons.length) return undefined;
  return finding('spec_drift', 'spec_drift', `the tests were weakened: ${preview(reasons)}`, evidence, {
    action: 'rollback',
  });
}

/** Tests reported across all checks, or undefined when some check ran tests without a readable total. */
/**
 * The number of tests the chunk checks report (all of them must report one).
 * The plan's goal checks are left out: on the last chunk they run beside the
 * chunk checks, and their tests must not make up for chunk tests that vanished.
 */
export function reportedTotal(checks: CheckResult[]): number | undefined {
  const withTests = checks.filter((c) => c.tests && !c.goal && !c.heldOut);
  if (!withTests.length || withTests.some((c) => c.tests?.total === undefined)) return undefined;
  return withTests.reduce((n, c) => n + (c.tests?.total ?? 0), 0);
}

function netRemoved(table: LinePattern[], c: FileChange): number {
  let removed = 0;
  let added = 0;
  for (const p of table) {
    removed += countMatches(p, c.path, c.removedLines);
    added += countMatches(p, c.path, c.addedLines);
  }
  return removed - added;
}

function changedLines(p: LinePattern, c: FileChange): number {
  return countMatches(p, c.path, c.addedLines) + countMatches(p, c.path, c.removedLines);
}

// ── gate tampering ─────────────────────────────────────────────────────────

/**
 * The maker edited what decides "passing": CI, lint or TypeScript config,
 * git hooks, jidoka.yaml, package.json scripts the checks run, files the
 * check commands name; or added a bypass (`--no-verify`, `|| true`,
 * `@ts-ignore`, `eslint-disable`, `# noqa`...). Gate files the plan's scope
 * names literally are exempt; bypass markers never are.
 */
export function guardGateTampering(
  changes: FileChange[],
  scope: string[],
  checkCommands: string[],
): Finding | undefined {
  const named = namedInScope(scope);
  const { files: checkFiles, scripts } = filesNamedByChecks(checkCommands);
  const gates: { path: string; kind: string }[] = [];
  const bypasses: { path: string; marker: string; count: number }[] = [];
  for (const c of changes) {
    const paths = c.oldPath ? [c.path, c.oldPath] : [c.path];
    let kind = GATE_FILES.find((g) => paths.some((p) => g.file.test(p)))?.kind;
    if (!kind && paths.some((p) => checkFiles.has(p))) kind = 'file run by a check';
    if (!kind) kind = GATE_LINES.find((p) => changedLines(p, c) > 0)?.kind;
    if (!kind && /(?:^|\/)package\.json$/.test(c.path) && touchesScripts(c, scripts))
      kind = 'package.json scripts';
    if (kind && !named(c.path)) gates.push({ path: c.path, kind });
    for (const p of BYPASS_PATTERNS) {
      const n = countMatches(p, c.path, c.addedLines) - countMatches(p, c.path, c.removedLines);
      if (n > 0) bypasses.push({ path: c.path, marker: p.name, count: n });
    }
  }
  if (!gates.length && !bypasses.length) return undefined;
  const what = [
    ...gates.map((g) => `${g.kind} ${g.path} edited`),
    ...bypasses.map((b) => `${b.marker} added in ${b.path}`),
  ];
  return finding(
    'gate_tampering',
    'gate_tampering',
    `the gates were touched: ${preview(what)}`,
    { gates, bypasses },
    { action: 'block' },
  );
}

/**
 * Files and npm-style script names the check commands depend on:
 * `./scripts/check.sh` → that file, `make test` → Makefile, `npm run lint`
 * → the `lint` script in package.json, `tox` → tox.ini.
 */
export function filesNamedByChecks(commands: string[]): { files: Set<string>; scripts: Set<string> } {
  const files = new Set<string>();
  const scripts = new Set<string>([
    'test',
    'pretest',
    'posttest',
    'lint',
    'typecheck',
    'check',
    'ci',
    'verify',
  ]);
  for (const cmd of commands) {
    const words = cmd.split(/[\s;&|()]+/).filter(Boolean);
    words.forEach((w, i) => {
      const next = words[i + 1];
      if (/^(?:npm|pnpm|yarn|bun)$/.test(w) && next) {
        const script = next === 'run' || next === 'run-script' ? words[i + 2] : next;
        if (script && !script.startsWith('-')) {
          scripts.add(script);
          scripts.add(`pre${script}`);
          scripts.add(`post${script}`);
        }
      }
      if (w === 'make' || w === 'gmake') files.add('Makefile');
      if (w === 'just') files.add('justfile');
      if (w === 'tox') files.add('tox.ini');
      if (w === 'nox') files.add('noxfile.py');
      const path = w.replace(/^\.\//, '').replace(/^['"]|['"]$/g, '');
      if (/^[\w.-]+(?:\/[\w.-]+)*\.(?:sh|bash|[cm]?js|ts|py|pl|rb|mk)$/.test(path) && !path.startsWith('-'))
        files.add(path);
    });
  }
  return { files, scripts };
}

function touchesScripts(c: FileChange, scripts: Set<string>): boolean {
  const re = /^\s*"([^"]+)"\s*:\s*"/;
  return [...c.addedLines, ...c.removedLines].some((l) => {
    if (/^\s*"scripts"\s*:/.test(l)) return true;
    const m = re.exec(l);
    return m !== null && scripts.has(m[1]!);
  });
}

// ── false done ─────────────────────────────────────────────────────────────

/** The maker exited 0 (claiming completion) while checks fail, or without changing anything. */
export function guardFalseDone(
  changes: FileChange[],
  checks: CheckResult[],
  makerExitCode: number | null,
): Finding | undefined {
  if (makerExitCode !== 0) return undefined;
  const failed = checks.filter((c) => !c.passed);
  if (!changes.length || failed.length) {
    const why = !changes.length
      ? 'the maker reported done with an empty diff'
      : `the maker reported done but ${failed.length} check${failed.length === 1 ? '' : 's'} failed: ${preview(failed.map((c) => c.name))}`;
    return finding(
      'false_done',
      'false_done',
      why,
      {
        emptyDiff: !changes.length,
        failedChecks: failed.map((c) => ({ name: c.name, exitCode: c.exitCode, timedOut: c.timedOut })),
      },
      { line: 'none' },
    );
  }
  return undefined;
}

// ── secrets ────────────────────────────────────────────────────────────────

/** Private keys, token formats, high-entropy secret assignments, and gitignored files force-added. */
export function guardSecrets(changes: FileChange[], ignoredForceAdded: string[]): Finding | undefined {
  const hits = findSecrets(changes);
  if (!hits.length && !ignoredForceAdded.length) return undefined;
  const what = [
    ...hits.map((h) => `${h.kind} in ${h.path}`),
    ...ignoredForceAdded.map((p) => `gitignored ${p} force-added`),
  ];
  return finding(
    'secrets',
    'secret_leak',
    `possible secret in the diff: ${preview(what)}`,
    { secrets: hits, ignoredForceAdded },
    { action: 'rollback' },
  );
}

// ── helpers ────────────────────────────────────────────────────────────────

/**
 * Files a scope entry names exactly (no wildcards, not a directory): a human
 * approved a plan that edits precisely that file, so file-level gate and
 * test rules step aside for it. A directory or glob never exempts anything.
 */
export function namedInScope(scope: string[]): (path: string) => boolean {
  const literal = new Set(
    scope
      .map((g) => g.replace(/^\.\//, ''))
      .filter((g) => g && !g.endsWith('/') && !picomatch.scan(g).isGlob),
  );
  return (path) => literal.has(path);
}

function preview(items: string[], max = 5): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
