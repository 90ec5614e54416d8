import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { onTestFinished } from 'vitest';
import { freePort } from './harness.js';

const run = promisify(execFile);
/** Bound on each pg_ctl / initdb command (initdb takes a couple of seconds on the CI machine). */
const COMMAND_TIMEOUT_MS = 60_000;
/** PostgreSQL refuses to run as root: as root, the server runs as this unprivileged user (Debian's package creates it). */
const UNPRIVILEGED_USER = 'postgres';

export interface PrivatePostgres {
  /** postgres://… of the server's `postgres` database. */
  url: string;
  port: number;
  /** `pg_ctl stop -m fast`: every connection is closed at once; resolves once the server is down. */
  stop(): Promise<void>;
  /** Starts the stopped server again, on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl restart -m fast`. */
  restart(): Promise<void>;
}

/** Debian's PostgreSQL binaries, newest version first; undefined when PostgreSQL's server is not installed. */
function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(root, versions[0], 'bin');
}

/**
 * Why a private PostgreSQL cannot be started here, or undefined when it can: the tests that
 * need one skip with this message.
 */
export function privatePostgresUnavailable(): string | undefined {
  if (!binDir()) return 'PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)';
  if (userInfo().uid === 0 && !existsSync('/usr/sbin/runuser')) return 'running as root without runuser to start PostgreSQL unprivileged';
  return undefined;
}

/**
 * Starts a PostgreSQL server of the test's own, in a temporary folder on a free loopback
 * port (never the machine's shared 5432), with trust authentication; it is stopped and its
 * folder removed when the test ends, passed or failed.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const unavailable = privatePostgresUnavailable();
  if (unavailable) throw new Error(unavailable);
  const bin = binDir()!;
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'gateway-private-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  if (asRoot) {
    const { stdout } = await run('id', ['-u', UNPRIVILEGED_USER]);
    const { stdout: gid } = await run('id', ['-g', UNPRIVILEGED_USER]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pg = (tool: string, args: string[]) => {
    const [file, argv] = asRoot
      ? ['/usr/sbin/runuser', ['-u', UNPRIVILEGED_USER, '--', join(bin, tool), ...args]]
      : [join(bin, tool), args];
    return run(file, argv, { timeout: COMMAND_TIMEOUT_MS, cwd: dir }).catch((error: unknown) => {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      throw new Error(`${tool} ${args.join(' ')} failed: ${String(error)}\n${log}`, { cause: error });
    });
  };
  let running = false;
  onTestFinished(async () => {
    if (running) await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  await pg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-l', logFile, '-o', options, '-w', '-t', '30', 'start']);
    running = true;
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    async stop() {
      await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
      running = false;
    },
    async restart() {
      await pg('pg_ctl', ['-D', data, '-l', logFile, '-o', options, '-m', 'fast', '-w', '-t', '30', 'restart']);
      running = true;
    },
  };
}
