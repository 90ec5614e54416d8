import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { startFalSimulator, type FalSimulator, type SimulatorOptions } from '@uni-animate/fal-simulator';
import { LogCapture } from './log-capture.js';

/** The fal key every test gateway uses; tests search their output for it. */
export const CANARY_FAL_KEY = 'fal-canary-7f3a9c1e-secret-key';

/** Fast simulator timings so a whole job takes well under a second. */
export const FAST_SIMULATOR: SimulatorOptions = { stepMs: 8, queueTickMs: 15 };

/** Starts a simulator for the current test and stops it when the test ends. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<FalSimulator> {
  const simulator = await startFalSimulator({ ...FAST_SIMULATOR, ...options });
  onTestFinished(() => simulator.stop());
  return simulator;
}

/** A fresh temporary directory, removed when the test ends. */
export function temporaryDirectory(prefix = 'gateway-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestGateway extends Gateway {
  logs: LogCapture;
}

/**
 * Starts the real gateway on an ephemeral port, talking to `simulator` through the real
 * fal client over HTTP, with an embedded store in a temporary directory (unless `env`
 * says otherwise); it stops when the test ends.
 */
export async function startTestGateway(simulator: FalSimulator, env: Record<string, string> = {}): Promise<TestGateway> {
  const logs = new LogCapture();
  const config = loadConfig({
    PORT: '0',
    FAL_API_URL: simulator.url,
    FAL_KEY: CANARY_FAL_KEY,
    DATA_DIR: env.DATA_DIR ?? temporaryDirectory(),
    POLL_INTERVAL_MS: '40',
    MAX_BACKOFF_MS: '400',
    UPSTREAM_TIMEOUT_MS: '3000',
    MAX_ACTIVE_ANIMATIONS: '1000',
    MAX_ANIMATIONS_PER_HOUR: '100000',
    MAX_SUBSCRIPTIONS_PER_SOCKET: '200',
    LOG_LEVEL: 'debug',
    ...env,
  });
  const gateway = await startGateway(config, { logDestination: logs });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await gateway.stop();
  };
  onTestFinished(stop);
  return { ...gateway, stop, logs };
}

/** A TCP port nothing listens on right now, for a gateway that must know its URL before it starts. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
