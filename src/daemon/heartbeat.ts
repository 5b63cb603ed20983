import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic-write.js';
import { jidokaPaths } from '../core/paths.js';

/**
 * The daemon's heartbeat, `.jidoka/state/heartbeat.json`, rewritten every
 * `intervalMs` by a timer on the daemon's event loop. The lock says a daemon
 * process exists; the heartbeat says its loop still turns: a beat older than
 * three intervals from a live pid is a daemon that is not responding (hung,
 * or stopped with SIGSTOP). `jidoka status` and the board read it.
 */
export interface Heartbeat {
  pid: number;
  hostname: string;
  startedAt: string;
  /** When this beat was written. */
  at: string;
  intervalMs: number;
  /** running: taking work; stopping: finishing the running step; stopped: the last beat. */
  state: 'running' | 'stopping' | 'stopped';
  /** An item (a plan, a scheduled loop) is running now. */
  busy: boolean;
}

export const HEARTBEAT_INTERVAL_MS = 5000;

export function heartbeatFile(root: string): string {
  return join(jidokaPaths(root).state, 'heartbeat.json');
}

export function readHeartbeat(root: string): Heartbeat | undefined {
  const file = heartbeatFile(root);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Heartbeat;
  } catch {
    return undefined;
  }
}

/** Late means more than three intervals since the last beat (a busy machine may delay one or two). */
export function heartbeatLate(beat: Heartbeat, nowMs: number): boolean {
  return nowMs - Date.parse(beat.at) > 3 * beat.intervalMs;
}

export interface HeartbeatWriter {
  /** Write a beat now (a state change), besides the timer's. */
  beat(): void;
  /** The last beat (state `stopped`), and no more. */
  stop(): void;
}

export function startHeartbeat(
  root: string,
  now: () => { stopping: boolean; busy: boolean },
  intervalMs = HEARTBEAT_INTERVAL_MS,
): HeartbeatWriter {
  const startedAt = new Date().toISOString();
  const write = (state: Heartbeat['state'], busy: boolean) => {
    const beat: Heartbeat = {
      pid: process.pid,
      hostname: hostname(),
      startedAt,
      at: new Date().toISOString(),
      intervalMs,
      state,
      busy,
    };
    // Not fsynced: a beat lost in a crash is what a crash means anyway.
    writeJsonAtomic(heartbeatFile(root), beat, { durable: false });
  };
  const beat = () => {
    const s = now();
    write(s.stopping ? 'stopping' : 'running', s.busy);
  };
  beat();
  // unref: the heartbeat never keeps a stopped daemon alive.
  const timer = setInterval(beat, intervalMs).unref();
  return {
    beat,
    stop() {
      clearInterval(timer);
      write('stopped', false);
    },
  };
}
