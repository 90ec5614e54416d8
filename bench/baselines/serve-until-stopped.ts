import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Waits until `server` listens, then keeps it until SIGTERM or SIGINT, or at most
 * BENCH_LIFETIME_MS (a baseline the bench forgot must not outlive it); returns its port.
 */
export async function serveUntilStopped(server: Server): Promise<number> {
  if (!server.listening) await new Promise<void>((resolve) => server.once('listening', resolve));
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  setTimeout(stop, Number(process.env.BENCH_LIFETIME_MS ?? 15 * 60_000)).unref();
  return (server.address() as AddressInfo).port;
}
