/**
 * Which browsers may drive the gateway, shared by HTTP (yoga.ts) and WebSocket
 * (websocket.ts). With credentials configured a page needs them too, so any origin may
 * try; without (loopback-only mode) a page from anywhere could use the local gateway
 * (and through DNS rebinding even as its own origin), so only loopback origins and Host
 * names are let in, unless ALLOWED_ORIGINS names the origins. Clients that send no
 * Origin (curl, servers) are not browsers and always pass.
 */
export class OriginPolicy {
  constructor(
    private readonly allowedOrigins: readonly string[] | undefined,
    private readonly credentialsRequired: boolean,
  ) {}

  /** Whether a request from `origin` (undefined: none sent) may go on. */
  allowsOrigin(origin: string | null | undefined): boolean {
    if (origin === undefined || origin === null) return true;
    if (this.allowedOrigins) return this.allowedOrigins.includes(origin);
    return this.credentialsRequired || isLoopbackOrigin(origin);
  }

  /** Whether a request naming `host` may go on: a loopback name, in loopback-only mode without ALLOWED_ORIGINS. */
  allowsHost(host: string | null | undefined): boolean {
    if (host === undefined || host === null || this.credentialsRequired || this.allowedOrigins) return true;
    return isLoopbackHost(host);
  }

  /** Whether foreign origins are refused outright (403) rather than only left without CORS headers. */
  get refusesForeignOrigins(): boolean {
    return !this.credentialsRequired;
  }
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** `http://127.0.0.1[:port]`, `http://localhost[:port]` or `http://[::1][:port]`. */
export function isLoopbackOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && LOOPBACK_NAMES.has(url.hostname) && origin === url.origin;
}

/** A Host header naming a loopback name, with or without a port. */
export function isLoopbackHost(host: string): boolean {
  const match = /^(\[::1\]|[^:[\]]+)(?::\d{1,5})?$/.exec(host.trim().toLowerCase());
  return match !== null && LOOPBACK_NAMES.has(match[1]!);
}
