#!/usr/bin/env node
/**
 * `fal-simulator`: starts the simulator in a process of its own and prints one line on stdout,
 *   fal simulator listening at http://HOST:PORT
 * then serves until SIGINT or SIGTERM. The URL is the base that replaces fal's queue and REST hosts
 * (FAL_API_URL for the gateway of this repository).
 */
import { parseArgs } from 'node:util';
import { startFalSimulator, type FalSimulator, type SimulatorOptions } from './index.js';

const USAGE = `Usage: fal-simulator [options]

An offline stand-in for fal.ai's queue (submit, status, status stream, result, cancel),
storage uploads and signed webhooks. Prints "fal simulator listening at <url>" once it serves;
stops on SIGINT or SIGTERM.

Options:
  --host <host>                 interface to listen on (default 127.0.0.1)
  --port <port>                 port to listen on; 0 picks a free one (default 0)
  --endpoint <owner/alias>      model endpoint served (default fal-ai/uni-animate)
  --step-ms <ms>                time per inference step (default 100)
  --queue-tick-ms <ms>          time for the queue to move one position / a job to start (default 300)
  --concurrency <n>             runners working at once; other jobs wait IN_QUEUE (default 1)
  --queue-ahead <n>             other customers' jobs each new job finds ahead of it (default 0)
  --log-mode <delta|cumulative> logs in each status-stream event: new lines only, or all so far (default delta)
  --keep-alive-ms <ms>          period of the status stream's keep-alive comment (default 15000)
  --seed <n>                    seed of the fault dice (default 1)
  --webhook-user-id <id>        user id webhooks are signed for (default sim-user-1)
  --webhook-retries <n>         retries of a webhook that got no 2xx answer (default 10)
  --webhook-retry-base-ms <ms>  delay before a webhook's first retry, doubling per retry (default 1000)
  --webhook-timeout-ms <ms>     time a webhook attempt may take (default 15000)
  -h, --help                    print this help and exit
`;

/** Option name → SimulatorOptions field, for the non-negative integer options. */
const INTEGER_OPTIONS = {
  port: 'port',
  'step-ms': 'stepMs',
  'queue-tick-ms': 'queueTickMs',
  concurrency: 'concurrency',
  'queue-ahead': 'queueAhead',
  'keep-alive-ms': 'keepAliveMs',
  seed: 'seed',
  'webhook-retries': 'webhookRetries',
  'webhook-retry-base-ms': 'webhookRetryBaseMs',
  'webhook-timeout-ms': 'webhookTimeoutMs',
} as const satisfies Record<string, keyof SimulatorOptions>;

class UsageError extends Error {}

function parseOptions(argv: string[]): SimulatorOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        host: { type: 'string' },
        endpoint: { type: 'string' },
        'log-mode': { type: 'string' },
        'webhook-user-id': { type: 'string' },
        ...Object.fromEntries(Object.keys(INTEGER_OPTIONS).map((name) => [name, { type: 'string' as const }])),
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return 'help';

  const options: SimulatorOptions = {};
  for (const [name, field] of Object.entries(INTEGER_OPTIONS)) {
    const raw = values[name];
    if (typeof raw !== 'string') continue;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isSafeInteger(value) || value < 0) {
      throw new UsageError(`--${name} must be a non-negative integer, not "${raw}"`);
    }
    options[field] = value;
  }
  if (options.port !== undefined && options.port > 65_535) throw new UsageError(`--port must be at most 65535, not ${options.port}`);
  if (options.concurrency === 0) throw new UsageError('--concurrency must be at least 1');
  if (typeof values.host === 'string') options.host = values.host;
  if (typeof values.endpoint === 'string') {
    if (!/^[^/\s]+\/[^/\s]+(\/[^/\s]+)*$/.test(values.endpoint)) {
      throw new UsageError(`--endpoint must look like owner/alias, not "${values.endpoint}"`);
    }
    options.endpoint = values.endpoint;
  }
  if (typeof values['webhook-user-id'] === 'string') options.webhookUserId = values['webhook-user-id'];
  const logMode = values['log-mode'];
  if (typeof logMode === 'string') {
    if (logMode !== 'delta' && logMode !== 'cumulative') {
      throw new UsageError(`--log-mode must be delta or cumulative, not "${logMode}"`);
    }
    options.logMode = logMode;
  }
  return options;
}

async function main(): Promise<void> {
  let options: SimulatorOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`fal-simulator: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return;
  }

  let simulator: FalSimulator;
  try {
    simulator = await startFalSimulator(options);
  } catch (error) {
    process.stderr.write(`fal-simulator: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second signal: the user does not want to wait for open streams to close.
      process.exit(130);
    }
    stopping = true;
    process.stderr.write(`fal-simulator: ${signal}, stopping\n`);
    simulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`fal-simulator: stop failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  process.stdout.write(`fal simulator listening at ${simulator.url}\n`);
}

await main();
