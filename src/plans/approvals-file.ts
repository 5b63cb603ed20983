import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jidokaPaths } from '../core/paths.js';

/**
 * The approvals record, `.jidoka/state/approvals.json` (plan id → who
 * approved which content, when), read without git: `jidoka status` orders
 * the merge queue by it and must stay light. Written by approval.ts.
 */
export interface Approval {
  hash: string;
  by: string;
  at: string;
}

export function approvalsFile(root: string): string {
  return join(jidokaPaths(root).state, 'approvals.json');
}

export function readApprovals(root: string): Record<string, Approval> {
  const f = approvalsFile(root);
  if (!existsSync(f)) return {};
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as Record<string, Approval>;
  } catch {
    return {};
  }
}
