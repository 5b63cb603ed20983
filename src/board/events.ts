/**
 * Server-sent events for the board: while anyone is watching, the snapshot
 * is read every `intervalMs` and sent when it differs from the last one, so
 * a change on disk (the line stopping, a step's new output) shows within a
 * second without the page polling. At most `maxClients` streams at once:
 * every stream costs the daemon a socket, and the snapshot is shared.
 */
export interface EventClient {
  send(data: string): void;
}

export interface EventHub {
  /** Add a client; false when the limit is reached. It gets the current snapshot at once. */
  join(client: EventClient): boolean;
  leave(client: EventClient): void;
  /** Read the snapshot now (after an action) instead of at the next tick. */
  refresh(): void;
  clients(): number;
  close(): void;
}

export function createEventHub(
  snapshot: () => string,
  opts: { intervalMs: number; maxClients: number; onError?: (err: unknown) => void },
): EventHub {
  const clients = new Set<EventClient>();
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    let next: string;
    try {
      next = snapshot();
    } catch (err) {
      opts.onError?.(err);
      return;
    }
    if (next === last) return;
    last = next;
    for (const c of clients) c.send(next);
  };
  const hub: EventHub = {
    join(client) {
      if (clients.size >= opts.maxClients) return false;
      clients.add(client);
      if (!timer) {
        last = '';
        timer = setInterval(tick, opts.intervalMs);
        tick();
      } else if (last) client.send(last);
      return true;
    },
    leave(client) {
      clients.delete(client);
      if (!clients.size && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    },
    refresh: () => {
      if (timer) tick();
    },
    clients: () => clients.size,
    close() {
      clearInterval(timer);
      timer = undefined;
      clients.clear();
    },
  };
  return hub;
}
