import { createRequire } from 'node:module';
import { isatty } from 'node:tty';
import { pino, type DestinationStream, type Logger } from 'pino';

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

/**
 * Bytes of log lines held in memory while stdout is not taking them (a reader that stalls, a full pipe);
 * lines beyond it are dropped and counted, so the gateway never waits on its logs.
 */
const STDOUT_BUFFER_BYTES = 256 * 1024;

export type LogFormat = 'json' | 'pretty';

/** `LOG_FORMAT` when set; else pretty on a terminal outside production, JSON otherwise. */
export function logFormatFor(format: LogFormat | undefined, production: boolean): LogFormat {
  return format ?? (!production && isatty(1) ? 'pretty' : 'json');
}

/** Log lines on stdout, written asynchronously through a bounded buffer. */
export class StdoutLog implements DestinationStream {
  private readonly sonic = pino.destination({ dest: 1, sync: false, maxLength: STDOUT_BUFFER_BYTES });
  private readonly format: (line: string) => string;
  private droppedLines = 0;
  private pending = false;
  private closed = false;

  constructor(format: LogFormat) {
    this.format = format === 'pretty' ? prettifier() : (line) => line;
    this.sonic.on('drop', () => this.droppedLines++);
    this.sonic.on('drain', () => (this.pending = false));
    // A write that fails (stdout closed) must not bring the gateway down.
    this.sonic.on('error', () => undefined);
    open.add(this);
  }

  /** Lines dropped so far because stdout was not taking them. */
  get dropped(): number {
    return this.droppedLines;
  }

  write(line: string): void {
    if (this.closed) return;
    const before = this.droppedLines;
    this.sonic.write(this.format(line));
    if (this.droppedLines === before) this.pending = true;
  }

  /** Waits at most `timeoutMs` for buffered lines to reach stdout, then drops what is left and stops writing. */
  async close(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    if (this.pending && timeoutMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.sonic.once('drain', resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    this.closed = true;
    open.delete(this);
    // Destroyed, the buffer is discarded: nothing flushes it synchronously (blocking) when the process exits.
    this.sonic.destroy();
  }
}

const open = new Set<StdoutLog>();

/** Closes every stdout log (see `StdoutLog.close`): at most `timeoutMs` for the lines still buffered. */
export async function closeLogs(timeoutMs: number): Promise<void> {
  await Promise.all([...open].map((log) => log.close(timeoutMs)));
}

/** pino-pretty, loaded only when pretty lines are asked for (it costs start-up time). */
function prettifier(): (line: string) => string {
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return prettyFactory({ colorize: isatty(1) });
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
