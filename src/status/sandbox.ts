import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { jidokaPaths } from '../core/paths.js';
import type { RunRecord } from '../loops/run-record.js';

/** The agent roles whose step folders hold a result file. */
const AGENT_STEPS = new Set(['maker', 'checker', 'goal']);

/**
 * The last agent step of a run, and whether it ran inside the sandbox, from
 * its step folder's `result.json` (STEP_FILES.result in agents/run-agent.ts,
 * not imported here: it loads the whole runner, which `status` must not).
 */
export function lastAgentStep(
  root: string,
  runId: string | undefined,
): { name: string; sandboxed: boolean } | undefined {
  if (!runId) return undefined;
  const file = join(jidokaPaths(root).runs, runId, 'run.json');
  if (!existsSync(file)) return undefined;
  try {
    const run = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
    for (const step of [...run.steps].reverse()) {
      if (!AGENT_STEPS.has(step.name)) continue;
      const result = JSON.parse(readFileSync(join(step.dir, 'result.json'), 'utf8')) as {
        sandboxed?: unknown;
      };
      if (typeof result.sandboxed === 'boolean')
        return { name: basename(step.dir), sandboxed: result.sandboxed };
    }
  } catch {}
  return undefined;
}
