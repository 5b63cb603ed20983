import { existsSync, readFileSync } from 'node:fs';
import { writeJsonAtomic } from '../core/atomic-write.js';
import { JidokaError } from '../core/errors.js';
import { jidokaPaths } from '../core/paths.js';
import type { Category, LineStateName } from '../core/types.js';

/**
 * The line: `running`, `yellow` (a warning that clears itself when its
 * condition goes away) or `stopped` (red; only `jidoka andon resolve`
 * restarts it). One JSON file in `.jidoka/state/`, written atomically, read
 * by every command that would start, merge or push anything.
 */
export interface LineState {
  state: LineStateName;
  /** When the line entered this state (ISO). */
  since: string;
  /** The incident that stopped the line (stopped only). */
  incident?: string;
  category?: Category;
  reason?: string;
  /** The current warning; kept while stopped so it is not lost. */
  yellow?: { reason: string; since: string; plan?: string; incident?: string };
  /** Recent transitions, newest last (bounded). */
  history?: LineEvent[];
}

export interface LineEvent {
  at: string;
  state: LineStateName;
  incident?: string;
  reason?: string;
  by?: string;
}

const HISTORY_MAX = 50;

export function readLine(root: string): LineState {
  const file = jidokaPaths(root).line;
  if (!existsSync(file)) return { state: 'running', since: new Date(0).toISOString() };
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as LineState;
    if (value && ['running', 'yellow', 'stopped'].includes(value.state)) return value;
  } catch {}
  // Never guess "running" from a damaged file: refusing is the safe side.
  throw new JidokaError(`the line state file ${file} is damaged`, {
    exitCode: 2,
    hint: 'check `jidoka andon list` for open incidents, then delete the file to reset the line to running',
  });
}

/**
 * Refuse `action` while the line is stopped, naming the incident and what
 * to run. Every command that starts execution, merges, pushes or opens a PR
 * calls this first.
 */
export function assertLineRunning(root: string, action: string): void {
  const line = readLine(root);
  if (line.state !== 'stopped') return;
  const id = line.incident ?? '<id>';
  const what = line.category ? `${line.category}: ${line.reason ?? ''}` : (line.reason ?? 'stopped by hand');
  throw new JidokaError(
    `the line is stopped by incident ${id} (${what.trim()}); nothing ${action} until \`jidoka andon resolve ${id} ...\``,
    {
      exitCode: 1,
      hint: `read \`jidoka andon show ${id}\`, fill in the Five Whys, then run \`jidoka andon resolve ${id} --root-cause "..." --countermeasure "..." --level L1|L2|L3|L4\``,
    },
  );
}

/** Stop the line (red) for an incident. Stays stopped on the first incident if already stopped. */
export function setStopped(
  root: string,
  stop: { incident: string; category: Category; reason: string },
): LineState {
  const line = readLine(root);
  const now = new Date().toISOString();
  const next: LineState =
    line.state === 'stopped'
      ? { ...line }
      : {
          ...line,
          state: 'stopped',
          since: now,
          incident: stop.incident,
          category: stop.category,
          reason: stop.reason,
        };
  return save(root, next, { at: now, state: 'stopped', incident: stop.incident, reason: stop.reason });
}

/** Warn (yellow) without stopping. A stopped line stays stopped but remembers the warning. */
export function raiseYellow(root: string, reason: string, plan?: string, incident?: string): void {
  const line = readLine(root);
  const now = new Date().toISOString();
  const yellow = { reason, since: now, ...(plan ? { plan } : {}), ...(incident ? { incident } : {}) };
  const next: LineState =
    line.state === 'stopped'
      ? { ...line, yellow }
      : { ...line, state: 'yellow', since: line.state === 'yellow' ? line.since : now, yellow };
  save(root, next, { at: now, state: next.state, reason, ...(incident ? { incident } : {}) });
}

/**
 * The yellow condition went away (the next attempt was clean). With `plan`,
 * only that plan's warning clears.
 */
export function clearYellow(root: string, plan?: string): void {
  const line = readLine(root);
  if (!line.yellow) return;
  if (plan !== undefined && line.yellow.plan !== undefined && line.yellow.plan !== plan) return;
  const now = new Date().toISOString();
  const { yellow: _cleared, ...rest } = line;
  const next: LineState = line.state === 'yellow' ? { ...rest, state: 'running', since: now } : rest;
  save(root, next, { at: now, state: next.state, reason: `cleared: ${line.yellow.reason}` });
}

/**
 * Restart a stopped line (resolve). When another red incident is still
 * open, the line stays stopped on that one instead.
 */
export function restartLine(
  root: string,
  by: string,
  stillOpen?: { incident: string; category: Category; reason: string },
): LineState {
  const line = readLine(root);
  const now = new Date().toISOString();
  if (stillOpen) {
    const next: LineState = { ...line, state: 'stopped', since: line.since, ...stillOpen };
    return save(root, next, {
      at: now,
      state: 'stopped',
      incident: stillOpen.incident,
      reason: 'still open',
      by,
    });
  }
  const { incident: _i, category: _c, reason: _r, ...rest } = line;
  const next: LineState = { ...rest, state: rest.yellow ? 'yellow' : 'running', since: now };
  return save(root, next, {
    at: now,
    state: next.state,
    ...(line.incident ? { incident: line.incident } : {}),
    by,
  });
}

function save(root: string, next: LineState, event: LineEvent): LineState {
  next.history = [...(next.history ?? []), event].slice(-HISTORY_MAX);
  writeJsonAtomic(jidokaPaths(root).line, next);
  return next;
}
