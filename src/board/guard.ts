/**
 * Who may talk to the board, as pure functions of the request. A board bound
 * to a loopback address answers only requests whose Host names a loopback
 * address: a web page elsewhere that points a DNS name at 127.0.0.1 (DNS
 * rebinding) is refused. Actions also refuse a browser request from another
 * origin, on top of the token, which a cross-site page cannot set anyway.
 */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The host part of a Host header (`[::1]:7420` → `::1`, `localhost:7420` → `localhost`). */
export function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

/**
 * Whether a request with this Host header may be answered by a board bound
 * to `bound`. Bound to loopback: loopback names only. Bound to another
 * address: the person chose to expose the board, under whatever name.
 */
export function hostAllowed(bound: string, header: string | undefined): boolean {
  if (!header) return false;
  return isLoopback(bound) ? isLoopback(hostOf(header)) : true;
}

/** An Origin header, when a browser sent one, must be the board's own (scheme, host and port of the Host header). */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (origin === undefined) return true; // curl, scripts: the token alone decides
  if (!hostHeader) return false;
  try {
    return new URL(origin).host === hostHeader.toLowerCase();
  } catch {
    return false;
  }
}
