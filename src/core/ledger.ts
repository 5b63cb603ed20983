import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { writeJsonAtomic } from './atomic-write.js';
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

/** What the finished runs of one UTC day spent, from the ledger's `run.finished` lines. */
export interface DaySpend {
  day: string;
  usd: number;
  tokens: number;
}

/** The tally's file: a cache of the ledger's prefix up to `offset` bytes (deleting it costs one full read). */
interface SpendTally extends DaySpend {
  offset: number;
}

/**
 * Today's spend without re-reading the whole ledger before every dispatch:
 * `.jidoka/cache/spend.json` keeps the day's total and how many bytes of the
 * ledger it has counted, and each call reads only what was appended since.
 * The ledger is append-only and in time order, so on a new day the lines
 * after yesterday's offset are all that can be today's. Any writer may
 * append meanwhile: the tally is recomputed from the offset, never trusted
 * past it, so a lost tally update is only a re-read.
 */
export function spentToday(root: string, now = new Date()): DaySpend {
  const day = now.toISOString().slice(0, 10);
  const paths = jidokaPaths(root);
  const file = join(paths.cache, 'spend.json');
  let size = 0;
  try {
    size = statSync(paths.ledger).size;
  } catch {}
  let tally: SpendTally = { day, usd: 0, tokens: 0, offset: 0 };
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as SpendTally;
    if (typeof saved.offset === 'number' && saved.offset <= size && saved.day <= day)
      tally = saved.day === day ? saved : { day, usd: 0, tokens: 0, offset: saved.offset };
  } catch {}
  if (tally.offset === size) return { day, usd: tally.usd, tokens: tally.tokens };
  const fresh = readFrom(paths.ledger, tally.offset, size);
  const counted = fresh.lastIndexOf('\n') + 1; // a torn last line waits for its newline
  for (const line of fresh.slice(0, counted).split('\n')) {
    if (!line.includes('"run.finished"')) continue;
    try {
      const e = JSON.parse(line) as LedgerEntry;
      if (e.event !== 'run.finished' || !e.at.startsWith(day)) continue;
      if (typeof e.costUsd === 'number') tally.usd += e.costUsd;
      if (typeof e.tokens === 'number') tally.tokens += e.tokens;
    } catch {}
  }
  tally.offset += Buffer.byteLength(fresh.slice(0, counted));
  try {
    mkdirSync(paths.cache, { recursive: true });
    writeJsonAtomic(file, tally, { durable: false });
  } catch {} // a cache: a read-only checkout still gets the right figure
  return { day, usd: tally.usd, tokens: tally.tokens };
}

function readFrom(file: string, start: number, end: number): string {
  if (end <= start) return '';
  const buf = Buffer.alloc(end - start);
  const fd = openSync(file, 'r');
  try {
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
