import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendLedger, spentToday } from '../../src/core/ledger.js';

const finished = (at: string, costUsd: number, tokens: number) =>
  `${JSON.stringify({ at, event: 'run.finished', run: 'r', plan: 'p', outcome: 'done', costUsd, tokens })}\n`;

describe('the daily spend tally', () => {
  it("counts today's finished runs, reads only what was appended since, waits for a torn line, and rolls over at midnight", () => {
    const root = mkdtempSync(join(tmpdir(), 'jidoka-tally-'));
    const ledger = join(root, '.jidoka', 'ledger.jsonl');
    mkdirSync(join(root, '.jidoka'));
    const today = new Date('2026-11-20T12:00:00Z');
    appendFileSync(ledger, finished('2026-11-19T23:59:00.000Z', 5, 500)); // yesterday
    appendFileSync(ledger, finished('2026-11-20T08:00:00.000Z', 0.25, 100));
    appendFileSync(
      ledger,
      `${JSON.stringify({ at: '2026-11-20T08:01:00.000Z', event: 'plan.approved', plan: 'p' })}\n`,
    );
    expect(spentToday(root, today)).toEqual({ day: '2026-11-20', usd: 0.25, tokens: 100 });
    const tally = JSON.parse(readFileSync(join(root, '.jidoka', 'cache', 'spend.json'), 'utf8'));
    expect(tally.offset).toBe(readFileSync(ledger).length);

    // A writer mid-line: not counted until its newline lands.
    const line = finished('2026-11-20T09:00:00.000Z', 0.5, 50);
    appendFileSync(ledger, line.slice(0, 20));
    expect(spentToday(root, today).usd).toBe(0.25);
    appendFileSync(ledger, line.slice(20));
    expect(spentToday(root, today)).toEqual({ day: '2026-11-20', usd: 0.75, tokens: 150 });

    // A later day (the real today): only the lines after the last tally can be its own; appendLedger's count.
    appendLedger(root, 'run.finished', { costUsd: 1, tokens: 10 });
    expect(spentToday(root).usd).toBe(1);

    // The tally is a cache: gone, it is rebuilt from the whole ledger with the same figure.
    rmSync(join(root, '.jidoka', 'cache', 'spend.json'));
    expect(spentToday(root, today)).toEqual({ day: '2026-11-20', usd: 0.75, tokens: 150 });
    rmSync(root, { recursive: true, force: true });
  });
});
