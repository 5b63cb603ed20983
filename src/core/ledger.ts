import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { jidokaPaths } from './paths.js';

/**
 * The append-only ledger `.jidoka/ledger.jsonl`: one JSON line per event that
 * matters later (run started/finished, plan approved, merged, line stopped).
 * Appends of a single line under PIPE_BUF are atomic on POSIX, so concurrent
 * writers never interleave within a line.
 */
export interface LedgerEntry {
  at: string;
  event: string;
  [key: string]: unknown;
}

export function appendLedger(root: string, event: string, fields: Record<string, unknown> = {}): LedgerEntry {
  const entry: LedgerEntry = { at: new Date().toISOString(), event, ...fields };
  const file = jidokaPaths(root).ledger;
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
  return entry;
}

/** Every entry, oldest first; a torn last line (crash mid-write) is skipped. */
export function readLedger(root: string): LedgerEntry[] {
  const file = jidokaPaths(root).ledger;
  if (!existsSync(file)) return [];
  const out: LedgerEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as LedgerEntry);
    } catch {}
  }
  return out;
}

/**
 * What the agents spent on `day` (`YYYY-MM-DD`, UTC), from the ledger: each
 * agent step's spend is written to exactly one entry (a plan run's steps to
 * its `run.finished`, an audit's to `audit.finished`, a docs sync's to
 * `docs.agent`), so summing every entry that carries `costUsd` or `tokens`
 * counts each step once. `jidoka status` and the daily budget both read this.
 */
export function spentOn(entries: LedgerEntry[], day: string): { usd: number; tokens: number } {
  const spent = { usd: 0, tokens: 0 };
  for (const e of entries) {
    if (!e.at.startsWith(day)) continue;
    if (typeof e.costUsd === 'number') spent.usd += e.costUsd;
    if (typeof e.tokens === 'number') spent.tokens += e.tokens;
  }
  return spent;
}
