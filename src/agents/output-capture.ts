/**
 * Bounded capture of a subprocess's stdout and stderr. The first bytes up to
 * the head budget are kept (and logged as they arrive); past it, bytes are
 * counted and only a short tail of each stream is kept, because the end of an
 * agent's output is where its result (claude's JSON, codex's last event) is.
 * Everything kept stays within `maxBytes` in total.
 */
export type StreamName = 'stdout' | 'stderr';

const MAX_TAIL_BYTES = 64 * 1024;

export class OutputCapture {
  readonly headBudget: number;
  private readonly tailBudget: number;
  private headUsed = 0;
  private readonly head: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
  private readonly tail: Record<StreamName, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  private readonly dropped: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  totalBytes = 0;

  constructor(maxBytes: number) {
    const tailTotal = Math.min(MAX_TAIL_BYTES, Math.floor(maxBytes / 4));
    this.tailBudget = Math.floor(tailTotal / 2);
    this.headBudget = maxBytes - this.tailBudget * 2;
  }

  get truncated(): boolean {
    return this.dropped.stdout + this.dropped.stderr > 0;
  }

  /** Add a chunk; returns the part kept in the head (the part to log as it arrives). */
  add(stream: StreamName, chunk: Buffer): Buffer {
    this.totalBytes += chunk.length;
    const room = this.headBudget - this.headUsed;
    const kept = room >= chunk.length ? chunk : chunk.subarray(0, Math.max(0, room));
    if (kept.length) {
      this.head[stream].push(kept);
      this.headUsed += kept.length;
    }
    const rest = kept.length === chunk.length ? undefined : chunk.subarray(kept.length);
    if (rest) {
      this.dropped[stream] += rest.length;
      const joined = Buffer.concat([this.tail[stream], rest]);
      this.tail[stream] = joined.subarray(Math.max(0, joined.length - this.tailBudget));
    }
    return kept;
  }

  /** The kept text of one stream: head, then (when output was dropped) a marker and the tail. */
  text(stream: StreamName): string {
    const head = Buffer.concat(this.head[stream]).toString('utf8');
    if (!this.dropped[stream]) return head;
    const tail = this.tail[stream];
    const skipped = this.dropped[stream] - tail.length;
    return `${head}${dropMarker(skipped)}${tail.toString('utf8')}`;
  }

  /** What to append to the log once the run ends: the tails of streams that overflowed. */
  logEpilogue(): string {
    let out = '';
    for (const s of ['stdout', 'stderr'] as const) {
      if (!this.dropped[s]) continue;
      out += `${dropMarker(this.dropped[s] - this.tail[s].length)}[jidoka: last ${this.tail[s].length} bytes of ${s}]\n${this.tail[s].toString('utf8')}`;
    }
    return out;
  }
}

function dropMarker(bytes: number): string {
  return `\n[jidoka: ${bytes} bytes of output dropped (output cap)]\n`;
}
