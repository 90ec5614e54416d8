import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { onTestFinished } from 'vitest';

/** The credentials s3rver accepts (it checks signatures made with these). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The region s3rver signs for. */
export const S3RVER_REGION = 'us-east-1';

export interface S3Server {
  /** `http://127.0.0.1:<port>`; clients need path-style addressing (`forcePathStyle: true`). */
  endpoint: string;
  /** An empty bucket, created before the server starts. */
  bucket: string;
  region: string;
  credentials: typeof S3RVER_CREDENTIALS;
  /** The environment the AWS SDK's standard credential chain reads, for `vi.stubEnv` or a gateway process. */
  env: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string; AWS_REGION: string };
  /** Closes the server (and any connection still open to it) and removes its files; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a real S3 server (s3rver, keeping objects in a temporary directory) on an ephemeral
 * port of 127.0.0.1, with one empty bucket, `media`.
 *
 * Called inside a test, it stops when the test ends. Called outside one (in `beforeAll`), it is
 * the caller's to stop, e.g. `beforeAll(async () => { s3 = await startS3Server(); return s3.stop; })`.
 */
export async function startS3Server(): Promise<S3Server> {
  const bucket = 'media';
  const directory = mkdtempSync(join(tmpdir(), 's3rver-test-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  let address;
  try {
    address = await server.run();
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      try {
        const closed = server.close();
        // close() waits for open connections: end the keep-alive ones and any unfinished response.
        server.httpServer?.closeAllConnections();
        await closed;
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    })());
  try {
    onTestFinished(stop);
  } catch {
    // Not inside a test: the caller stops it.
  }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    region: S3RVER_REGION,
    credentials: S3RVER_CREDENTIALS,
    env: {
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_REGION: S3RVER_REGION,
    },
    stop,
  };
}
