import { ConfigError, loadConfig } from './config.js';
import { startGateway } from './gateway.js';

/** However a graceful stop goes, the process is gone by then. */
const EXIT_DEADLINE_MS = 9_500;

try {
  const gateway = await startGateway(loadConfig());
  const shutdown = (signal: string) => {
    gateway.logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      gateway.logger.error('graceful shutdown took too long; exiting');
      process.exit(1);
    }, EXIT_DEADLINE_MS).unref();
    gateway.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        gateway.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
