import { defaultConfig } from '../../src/config/schema.js';
import type { CheckResult, FileChange } from '../../src/core/types.js';

export const limits = defaultConfig().limits;

/** A FileChange as parseUnifiedDiff would produce it. */
export function change(
  path: string,
  opts: {
    status?: FileChange['status'];
    oldPath?: string;
    added?: string[];
    removed?: string[];
    binary?: boolean;
  } = {},
): FileChange {
  const added = opts.added ?? [];
  const removed = opts.removed ?? [];
  return {
    path,
    ...(opts.oldPath ? { oldPath: opts.oldPath } : {}),
    status: opts.status ?? (opts.oldPath ? 'renamed' : 'modified'),
    additions: added.length,
    deletions: removed.length,
    binary: opts.binary ?? false,
    addedLines: added,
    removedLines: removed,
  };
}

export function check(opts: Partial<CheckResult> & { total?: number; failing?: string[] } = {}): CheckResult {
  const passed = opts.passed ?? (opts.exitCode === undefined || opts.exitCode === 0);
  return {
    name: opts.name ?? 'npm test',
    command: opts.command ?? opts.name ?? 'npm test',
    exitCode: opts.exitCode ?? (passed ? 0 : 1),
    signal: null,
    timedOut: opts.timedOut ?? false,
    durationMs: opts.durationMs ?? 1000,
    output: opts.output ?? '',
    tests:
      opts.tests ??
      (opts.total !== undefined || opts.failing
        ? { total: opts.total, failed: opts.failing?.length ?? 0, failing: opts.failing ?? [] }
        : undefined),
    passed,
  };
}

/** Write real whys into an incident page, as a human would in an editor. */
export function fillWhysText(text: string, levels = 3): string {
  let n = 0;
  return text.replace(
    /^- \*\*(Hypothesis|Verification|Conclusion):\*\* _Awaiting analysis\._$/gm,
    (_m, label: string) => {
      n++;
      if (Math.ceil(n / 3) > levels) return _m;
      return `- **${label}:** level ${Math.ceil(n / 3)} ${label.toLowerCase()} written by a person`;
    },
  );
}
