import { pino, type DestinationStream, type Logger } from 'pino';
import { requestContext } from './request-context.js';

export type { Logger };

/** Paths pino blanks out wherever they appear in a log line. */
const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'connectionParams',
  '*.connectionParams',
  'falKey',
  '*.falKey',
  'key',
  '*.key',
  'token',
  '*.token',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Every line written while serving a request carries its id.
      mixin: () => requestContext.getStore() ?? {},
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
