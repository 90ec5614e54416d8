import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { FileMediaStore } from '../../src/adapters/media/file-media-store.js';
import { S3MediaStore } from '../../src/adapters/media/s3-media-store.js';
import type { MediaStore } from '../../src/ports/media-store.js';
import { temporaryDirectory } from '../support/harness.js';
import { startS3Server } from '../support/s3.js';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

/** `bytes` as a stream of 64 KiB chunks, then (when `failWith` is given) an error instead of the end. */
function streamOf(bytes: Buffer, failWith?: Error): Readable {
  return Readable.from(
    (async function* () {
      for (let offset = 0; offset < bytes.length; offset += CHUNK) yield bytes.subarray(offset, offset + CHUNK);
      if (failWith) throw failWith;
    })(),
  );
}

async function bytesOf(stream: Readable | undefined): Promise<Buffer | undefined> {
  if (stream === undefined) return undefined;
  return Buffer.concat(await stream.toArray());
}

interface Subject {
  store: MediaStore;
}

const STORES: [string, () => Promise<Subject>][] = [
  ['FileMediaStore', async () => ({ store: new FileMediaStore(join(temporaryDirectory('media-store-'), 'media')) })],
  [
    'S3MediaStore on s3rver',
    async () => {
      const s3 = await startS3Server();
      // Credentials through the SDK's standard chain (its environment provider), as in production.
      vi.stubEnv('AWS_ACCESS_KEY_ID', s3.credentials.accessKeyId);
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', s3.credentials.secretAccessKey);
      onTestFinished(() => {
        vi.unstubAllEnvs();
      });
      const store = new S3MediaStore({ bucket: s3.bucket, endpoint: s3.endpoint, region: s3.region, forcePathStyle: true });
      onTestFinished(() => store.close());
      return { store };
    },
  ],
];

describe.each(STORES)('%s', (_name, open) => {
  it('stores a few MB streamed in and reads back identical bytes', async () => {
    const { store } = await open();
    const bytes = randomBytes(3 * MiB + 17);
    expect(await store.put('animations/a/video.mp4', streamOf(bytes), 'video/mp4')).toEqual({ size: bytes.length });
    const read = await bytesOf(await store.read('animations/a/video.mp4'));
    expect(read?.length).toBe(bytes.length);
    expect(read?.equals(bytes)).toBe(true);
    expect(await store.list('animations/')).toEqual(['animations/a/video.mp4']);
  });

  it('stores an object larger than two upload parts (8 MiB each) intact', async () => {
    const { store } = await open();
    const bytes = randomBytes(2 * 8 * MiB + 12_345);
    expect(await store.put('animations/big/video.mp4', streamOf(bytes), 'video/mp4')).toEqual({ size: bytes.length });
    const read = await bytesOf(await store.read('animations/big/video.mp4'));
    expect(read?.length).toBe(bytes.length);
    expect(read?.equals(bytes)).toBe(true);
  });

  it('reads exactly the bytes of an inclusive range', async () => {
    const { store } = await open();
    const bytes = randomBytes(1 * MiB + 3);
    await store.put('animations/a/video.mp4', streamOf(bytes), 'video/mp4');
    const ranges = [
      { start: 1000, end: 200_000 },
      { start: 5, end: 5 },
      { start: bytes.length - 10, end: bytes.length - 1 },
      { start: 0, end: 99 },
      // s3rver answers this one with the whole object: the S3 store cuts it.
      { start: 0, end: 0 },
    ];
    for (const range of ranges) {
      const read = await bytesOf(await store.read('animations/a/video.mp4', range));
      expect(read?.length, `${range.start}-${range.end}`).toBe(range.end - range.start + 1);
      expect(read?.equals(bytes.subarray(range.start, range.end + 1)), `${range.start}-${range.end}`).toBe(true);
    }
    // An end past the object's is cut short; a start past it is an error.
    const tail = await bytesOf(await store.read('animations/a/video.mp4', { start: bytes.length - 4, end: bytes.length + 1000 }));
    expect(tail?.equals(bytes.subarray(bytes.length - 4))).toBe(true);
    await expect(store.read('animations/a/video.mp4', { start: bytes.length, end: bytes.length + 10 })).rejects.toThrow(RangeError);
    await expect(store.read('animations/a/video.mp4', { start: 10, end: 9 })).rejects.toThrow(RangeError);
  });

  it('stores an empty object', async () => {
    const { store } = await open();
    expect(await store.put('animations/a/empty.bin', streamOf(Buffer.alloc(0)), 'application/octet-stream')).toEqual({ size: 0 });
    expect((await bytesOf(await store.read('animations/a/empty.bin')))?.length).toBe(0);
    expect(await store.list('animations/a/')).toEqual(['animations/a/empty.bin']);
  });

  it('reads a missing object as undefined', async () => {
    const { store } = await open();
    expect(await store.read('animations/none/video.mp4')).toBeUndefined();
    expect(await store.read('animations/none/video.mp4', { start: 0, end: 9 })).toBeUndefined();
    await store.put('animations/a/video.mp4', streamOf(randomBytes(10)), 'video/mp4');
    expect(await store.read('animations/a/other.mp4')).toBeUndefined();
    expect(await store.list('animations/none/')).toEqual([]);
  });

  it('replaces an object, also with a shorter one', async () => {
    const { store } = await open();
    await store.put('animations/a/video.mp4', streamOf(randomBytes(2 * MiB)), 'video/mp4');
    const replacement = randomBytes(1000);
    expect(await store.put('animations/a/video.mp4', streamOf(replacement), 'video/mp4')).toEqual({ size: 1000 });
    expect((await bytesOf(await store.read('animations/a/video.mp4')))?.equals(replacement)).toBe(true);
    expect(await store.list('')).toEqual(['animations/a/video.mp4']);
  });

  it.each([
    ['in its first MiB', 1 * MiB],
    ['after the first upload part', 9 * MiB],
  ])('rejects a body that fails %s, storing nothing and keeping the previous object', async (_when, failAfter) => {
    const { store } = await open();
    const previous = randomBytes(100_000);
    await store.put('animations/a/video.mp4', streamOf(previous), 'video/mp4');

    await expect(
      store.put('animations/a/video.mp4', streamOf(randomBytes(failAfter), new Error('fal hung up')), 'video/mp4'),
    ).rejects.toThrow('fal hung up');
    await expect(
      store.put('animations/b/video.mp4', streamOf(randomBytes(failAfter), new Error('fal hung up')), 'video/mp4'),
    ).rejects.toThrow('fal hung up');

    expect((await bytesOf(await store.read('animations/a/video.mp4')))?.equals(previous)).toBe(true);
    expect(await store.read('animations/b/video.mp4')).toBeUndefined();
    expect(await store.list('')).toEqual(['animations/a/video.mp4']);
  });

  it('deletes everything under a prefix and nothing else, counting what it deleted', async () => {
    const { store } = await open();
    const keys = [
      'animations/a/video.mp4',
      'animations/a/poster.jpg',
      'animations/a/frames/0001.png',
      'animations/ab/video.mp4',
      'animations/b/video.mp4',
      'other/a/video.mp4',
    ];
    for (const key of keys) await store.put(key, streamOf(Buffer.from(key)), 'application/octet-stream');
    expect(await store.list('animations/a')).toEqual([
      'animations/a/frames/0001.png',
      'animations/a/poster.jpg',
      'animations/a/video.mp4',
      'animations/ab/video.mp4',
    ]);

    expect(await store.deleteAll('animations/a/')).toBe(3);
    expect(await store.list('')).toEqual(['animations/ab/video.mp4', 'animations/b/video.mp4', 'other/a/video.mp4']);
    expect(await store.read('animations/a/video.mp4')).toBeUndefined();
    expect((await bytesOf(await store.read('animations/ab/video.mp4')))?.toString()).toBe('animations/ab/video.mp4');

    expect(await store.deleteAll('animations/a/')).toBe(0);
    expect(await store.deleteAll('animations/a')).toBe(1);
    expect(await store.list('animations/')).toEqual(['animations/b/video.mp4']);
    expect(await store.deleteAll('animations/')).toBe(1);
    expect(await store.list('')).toEqual(['other/a/video.mp4']);
  });

  it('rejects keys outside the key alphabet or with relative segments', async () => {
    const { store } = await open();
    const bad = ['../x', '/abs', 'a/../../b', 'a/./b', 'a//b', 'a/', '', '.hidden', 'a/.x.1234.tmp', 'a\\b', 'a b', 'ä'];
    for (const key of bad) {
      await expect(store.put(key, streamOf(Buffer.from('x')), 'text/plain'), key).rejects.toThrow('invalid media key');
      await expect(store.read(key), key).rejects.toThrow('invalid media key');
    }
    for (const prefix of ['../', '/abs', 'a/../', '..']) {
      await expect(store.list(prefix), prefix).rejects.toThrow('invalid media key prefix');
      await expect(store.deleteAll(prefix), prefix).rejects.toThrow('invalid media key prefix');
    }
    expect(await store.list('')).toEqual([]);
  });
});

/** Every entry under `dir`, files and directories, dot files included, as sorted `/` paths. */
const entriesUnder = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .map((entry) => entry.split('\\').join('/'))
        .sort()
    : [];

describe('FileMediaStore on disk', () => {
  it('keeps objects as files at their key path, leaving no temporary file after a failed put', async () => {
    const base = temporaryDirectory('media-store-');
    const root = join(base, 'media');
    const store = new FileMediaStore(root);
    const bytes = randomBytes(2 * MiB);
    await store.put('animations/a/video.mp4', streamOf(bytes), 'video/mp4');
    await expect(store.put('animations/a/video.mp4', streamOf(randomBytes(MiB), new Error('midway')), 'video/mp4')).rejects.toThrow(
      'midway',
    );
    await expect(store.put('animations/a/poster.jpg', streamOf(randomBytes(MiB), new Error('midway')), 'image/jpeg')).rejects.toThrow(
      'midway',
    );
    expect(entriesUnder(root)).toEqual(['animations', 'animations/a', 'animations/a/video.mp4']);
    expect(entriesUnder(base)).toEqual(['media', 'media/animations', 'media/animations/a', 'media/animations/a/video.mp4']);
  });

  it('removes the directories a deleteAll empties, and temporary files abandoned in them, but not the root', async () => {
    const root = join(temporaryDirectory('media-store-'), 'media');
    const store = new FileMediaStore(root);
    for (const key of ['animations/a/video.mp4', 'animations/a/frames/1.png', 'animations/ab/video.mp4', 'animations/b/video.mp4']) {
      await store.put(key, streamOf(Buffer.from(key)), 'application/octet-stream');
    }
    // A crash mid-put leaves a temporary file; list ignores it and deleteAll takes it with the directory.
    writeFileSync(join(root, 'animations/a/.video.mp4.0123abcd.tmp'), 'partial');
    expect(await store.list('animations/a/')).toEqual(['animations/a/frames/1.png', 'animations/a/video.mp4']);

    expect(await store.deleteAll('animations/a/')).toBe(2);
    expect(entriesUnder(root)).toEqual([
      'animations',
      'animations/ab',
      'animations/ab/video.mp4',
      'animations/b',
      'animations/b/video.mp4',
    ]);
    expect(await store.deleteAll('animations/a')).toBe(1);
    expect(entriesUnder(root)).toEqual(['animations', 'animations/b', 'animations/b/video.mp4']);
    expect(await store.deleteAll('')).toBe(1);
    expect(entriesUnder(root)).toEqual([]);
    expect(existsSync(root)).toBe(true);
  });

  it('writes nothing outside its root for traversal keys', async () => {
    const base = temporaryDirectory('media-store-');
    const store = new FileMediaStore(join(base, 'media'));
    for (const key of ['../x', '/abs', 'a/../../b', '../media2/x', 'a/../../../etc/passwd']) {
      await expect(store.put(key, streamOf(Buffer.from('escape')), 'text/plain'), key).rejects.toThrow('invalid media key');
      await expect(store.read(key), key).rejects.toThrow('invalid media key');
    }
    expect(entriesUnder(base)).toEqual([]);
  });
});

describe('S3MediaStore specifics', () => {
  it('stores the content type, and closes only a client it made', async () => {
    const s3 = await startS3Server();
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    onTestFinished(() => client.destroy());
    const store = new S3MediaStore({ bucket: s3.bucket, region: s3.region, forcePathStyle: true, client });
    expect(await store.put('animations/a/video.mp4', streamOf(randomBytes(1000)), 'video/mp4')).toEqual({ size: 1000 });
    store.close();
    const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'animations/a/video.mp4' }));
    expect(head.ContentType).toBe('video/mp4');
    expect(head.ContentLength).toBe(1000);
    expect(await store.list('animations/')).toEqual(['animations/a/video.mp4']);
  });

  it('rejects with the upload failure, not the body, when the server goes away mid-put, and stops reading the body', async () => {
    const s3 = await startS3Server();
    const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: s3.credentials });
    onTestFinished(() => client.destroy());
    const store = new S3MediaStore({ bucket: s3.bucket, region: s3.region, forcePathStyle: true, client });
    let reachedGate!: () => void;
    const atGate = new Promise<void>((resolve) => (reachedGate = resolve));
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let produced = 0;
    const body = Readable.from(
      (async function* () {
        for (let i = 0; i < 10 * 16; i++) {
          if (i === 9 * 16) {
            reachedGate();
            await gate;
          }
          produced += CHUNK;
          yield Buffer.alloc(CHUNK, i);
        }
        // 10 MiB so far; a body this long is never read to its end.
        for (let i = 0; i < 1000 * 16; i++) {
          produced += CHUNK;
          yield Buffer.alloc(CHUNK, i);
        }
      })(),
    );
    const putting = store.put('animations/a/video.mp4', body, 'video/mp4');
    await atGate;
    await s3.stop();
    openGate();
    await expect(putting).rejects.toThrow(/ECONNREFUSED/);
    expect(body.destroyed).toBe(true);
    expect(produced).toBeLessThan(100 * MiB);
  });
});
