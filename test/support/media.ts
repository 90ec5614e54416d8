import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { onTestFinished, vi } from 'vitest';
import { temporaryDirectory } from './harness.js';
import { startS3Server } from './s3.js';

/** A media store for a test gateway: the settings that select it, and a count of what it holds. */
export interface MediaBackend {
  env: Record<string, string>;
  /** Every object (file) in the store, temporary ones included. */
  objects(): Promise<string[]>;
}

/** The embedded media store, in a fresh DATA_DIR. */
export async function embeddedMedia(): Promise<MediaBackend> {
  const dataDir = temporaryDirectory();
  return { env: { DATA_DIR: dataDir }, objects: async () => filesUnder(join(dataDir, 'media')) };
}

export const MEDIA_BACKENDS: [string, () => Promise<MediaBackend>][] = [
  ['the embedded media store', embeddedMedia],
  [
    'S3 (s3rver)',
    async () => {
      const s3 = await startS3Server();
      // The gateway finds its credentials through the AWS SDK's standard chain, here the environment.
      for (const [name, value] of Object.entries(s3.env)) vi.stubEnv(name, value);
      onTestFinished(() => {
        vi.unstubAllEnvs();
      });
      const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: s3.credentials });
      onTestFinished(() => client.destroy());
      return {
        env: {
          DATA_DIR: temporaryDirectory(),
          MEDIA_S3_BUCKET: s3.bucket,
          MEDIA_S3_ENDPOINT: s3.endpoint,
          MEDIA_S3_REGION: s3.region,
          MEDIA_S3_FORCE_PATH_STYLE: '1',
        },
        objects: async () => {
          const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
          return (listed.Contents ?? []).map((object) => object.Key!);
        },
      };
    },
  ],
];

function filesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

/** GETs a URL and returns its status, headers and body bytes. */
export async function download(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}
