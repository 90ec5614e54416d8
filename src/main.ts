import { ConfigError, loadConfig } from './config.js';
import { startGateway } from './gateway.js';
import { closeLogs } from './logger.js';

/** However a graceful stop goes, the process is gone by then. */
const EXIT_DEADLINE_MS = 9_500;
/** Longest the lines still buffered get to reach stdout before the process exits (a stalled reader never takes them). */
const LOG_FLUSH_MS = 250;

try {
  const gateway = await startGateway(loadConfig());
  let exiting = false;
  const exit = (code: number, flushMs: number) => {
    if (exiting) return;
    exiting = true;
    void closeLogs(flushMs).finally(() => process.exit(code));
  };
  const shutdown = (signal: string) => {
    gateway.logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      gateway.logger.error('graceful shutdown took too long; exiting');
      exit(1, 0);
    }, EXIT_DEADLINE_MS).unref();
    gateway.stop().then(
      () => exit(0, LOG_FLUSH_MS),
      (err: unknown) => {
        gateway.logger.error({ err }, 'shutdown failed');
        exit(1, LOG_FLUSH_MS);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  await closeLogs(LOG_FLUSH_MS);
  process.exit(1);
}
