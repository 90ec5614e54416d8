import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { onTestFinished } from 'vitest';
import { freePort } from './harness.js';

/** Bound on a Redis server starting, or stopping. */
const SERVER_TIMEOUT_MS = 10_000;

export interface PrivateRedis {
  url: string;
  port: number;
  /** `SHUTDOWN NOSAVE`; resolves once the server process has exited. */
  stop(): Promise<void>;
  /** Starts an empty server again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
}

/** Why a private Redis cannot be started here, or undefined when it can. */
export function privateRedisUnavailable(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { timeout: 5_000 });
  return probe.error ? `redis-server not found (apt-get install redis-server): ${probe.error.message}` : undefined;
}

/**
 * Starts a Redis server of the test's own on a free loopback port (never the machine's
 * shared 6379), keeping nothing on disk; it is killed when the test ends, passed or failed.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-private-redis-'));
  const port = await freePort();
  let server: { child: ChildProcess; exited: Promise<void> } | undefined;
  onTestFinished(async () => {
    if (server) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    server = { child, exited };
    const output: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server not ready within ${SERVER_TIMEOUT_MS} ms:\n${output.join('\n')}`)),
        SERVER_TIMEOUT_MS,
      );
      createInterface({ input: child.stdout! }).on('line', (line) => {
        output.push(line);
        if (line.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited before it was ready:\n${output.join('\n')}`));
      });
    });
  };
  await start();

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    async stop() {
      const running = server;
      if (!running) return;
      const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      await client.connect();
      // The server closes the connection instead of answering.
      await client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      client.disconnect();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        running.exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`redis-server still running ${SERVER_TIMEOUT_MS} ms after SHUTDOWN NOSAVE`)),
            SERVER_TIMEOUT_MS,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      server = undefined;
    },
  };
}
