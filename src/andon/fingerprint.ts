import { createHash } from 'node:crypto';
import type { CheckResult } from '../core/types.js';
import { stripAnsi } from './test-output.js';

/**
 * A failure's identity across attempts: which checks failed, the first error
 * line with everything that varies between runs removed (paths, line and
 * column numbers, durations, hex ids, numbers), and the sorted failing test
 * ids. Two attempts that fail the same way get the same string, which is
 * what the repeat-failure breaker counts. Undefined when nothing failed.
 */
export function failureFingerprint(checks: CheckResult[], agentFailure?: string): string | undefined {
  const failed = checks.filter((c) => !c.passed);
  if (!failed.length && !agentFailure) return undefined;
  const parts: string[] = [];
  if (agentFailure) parts.push(`agent: ${normaliseError(firstErrorLine(agentFailure) ?? agentFailure)}`);
  if (failed.length) {
    parts.push(
      `checks: ${failed
        .map((c) => c.name)
        .sort()
        .join(', ')}`,
    );
    const first = failed.map((c) => firstErrorLine(c.output)).find(Boolean);
    if (first) parts.push(`error: ${normaliseError(first)}`);
    const ids = [...new Set(failed.flatMap((c) => c.tests?.failing ?? []))].map(normaliseTestId).sort();
    if (ids.length) parts.push(`tests: ${ids.join(' | ')}`);
    const timedOut = failed.filter((c) => c.timedOut).map((c) => c.name);
    if (timedOut.length) parts.push(`timed out: ${timedOut.sort().join(', ')}`);
  }
  return parts.join('\n').slice(0, 2000);
}

/** A short stable hash of a fingerprint, for incident evidence and state keys. */
export function fingerprintHash(fingerprint: string): string {
  return createHash('sha256').update(fingerprint).digest('hex').slice(0, 12);
}

const ERROR_LINE =
  /\b(?:error|fail(?:ed|ure)?|exception|assert(?:ion)?|panic|cannot|unable|not found|undefined|expected|traceback|fatal)\b|✖|×|●/i;
/** Lines that say a run failed without saying why: skipped when looking for the first error. */
const NOISE =
  /^(?:npm (?:ERR!|error) (?:code|path|errno|command|Lifecycle|A complete log|\s*$)|ELIFECYCLE|Test Files\s|Tests\s|FAIL\s*$|FAILED\s*$|error Command failed)/i;

export function firstErrorLine(output: string): string | undefined {
  for (const raw of stripAnsi(output).split(/\r?\n/)) {
    const line = raw.trim();
    if (line && ERROR_LINE.test(line) && !NOISE.test(line)) return line;
  }
  return undefined;
}

export function normaliseError(line: string): string {
  return stripAnsi(line)
    .replace(/\b(?:file:\/\/)?(?:[A-Za-z]:)?(?:[\w.@~-]*[/\\])+[\w.@-]+/g, '<path>')
    .replace(/:\d+(?::\d+)?\b/g, '')
    .replace(/\(\s*[\d.]+\s*m?s\s*\)|\b\d+(?:\.\d+)?\s*(?:ms|s|sec|seconds|m|min)\b/g, '<time>')
    .replace(/\b0x[0-9a-f]+\b|\b[0-9a-f]{7,64}\b/gi, '<hex>')
    .replace(/\b\d+(?:\.\d+)?\b/g, 'N')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/** Test ids keep their names but lose durations and volatile numbers in brackets. */
function normaliseTestId(id: string): string {
  return id
    .replace(/\s*\([\d.]+\s*m?s\)\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}
