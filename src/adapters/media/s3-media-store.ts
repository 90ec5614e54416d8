import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  paginateListObjectsV2,
  S3Client,
  S3ServiceException,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ByteRange, MediaStore } from '../../ports/media-store.js';
import { assertByteRange, assertMediaKey, assertMediaPrefix, unsatisfiable } from './media-keys.js';

export interface S3MediaStoreOptions {
  bucket: string;
  /** An S3-compatible service's URL (MinIO, R2, s3rver…); AWS's own endpoint for `region` when absent. */
  endpoint?: string;
  region: string;
  /** `https://host/bucket/key` rather than `https://bucket.host/key` (most S3-compatible services need it). */
  forcePathStyle: boolean;
  /** A client to use instead of one built from the options above; the store then leaves closing it to the caller. */
  client?: S3Client;
}

/** Multipart uploads send 8 MiB parts, at most 2 at a time, so a put holds about 2 × 8 MiB of the body at once. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;
/** Longest a ping waits for the bucket's answer. */
const PING_TIMEOUT_MS = 2_000;

/**
 * Keeps each object in an S3 bucket under its key. Credentials come from the SDK's standard chain
 * (environment, shared config files, web identity, container or instance metadata).
 */
export class S3MediaStore implements MediaStore {
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly bucket: string;

  constructor(options: S3MediaStoreOptions) {
    this.bucket = options.bucket;
    this.ownsClient = options.client === undefined;
    this.client =
      options.client ??
      new S3Client({
        region: options.region,
        endpoint: options.endpoint,
        forcePathStyle: options.forcePathStyle,
        requestHandler: { connectionTimeout: 10_000 },
      });
  }

  /** The bucket answers a HeadBucket (it exists and the credentials may use it) within 2 s. */
  async ping(signal?: AbortSignal): Promise<boolean> {
    const deadline = AbortSignal.timeout(PING_TIMEOUT_MS);
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), {
        abortSignal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
      return true;
    } catch {
      return false;
    }
  }

  async put(key: string, body: Readable, contentType: string): Promise<{ size: number }> {
    try {
      assertMediaKey(key);
    } catch (error) {
      body.destroy();
      throw error;
    }
    let size = 0;
    let bodyError: unknown;
    // Counts the bytes on their way to lib-storage, and tells the body's own failure (while this
    // waits for a chunk) from the upload's: when lib-storage stops reading because a request failed,
    // this is stopped at a `yield`, and ending the loop there destroys the body (Node then throws an
    // AbortError, which is not the body's failure).
    const counted = Readable.from(
      (async function* () {
        let waiting = true;
        try {
          for await (const chunk of body as AsyncIterable<Buffer | string>) {
            size += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
            waiting = false;
            yield chunk;
            waiting = true;
          }
        } catch (error) {
          if (waiting) bodyError = error;
          throw error;
        }
      })(),
      { objectMode: false },
    );
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: counted, ContentType: contentType },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
    });
    try {
      await upload.done();
    } catch (error) {
      counted.destroy();
      body.destroy();
      // When the body failed, lib-storage reports that failure, or else its failure to abort the
      // multipart upload afterwards, which hides the reason: report the body's.
      throw bodyError ?? error;
    }
    return { size };
  }

  async read(key: string, range?: ByteRange): Promise<Readable | undefined> {
    assertMediaKey(key);
    if (range) assertByteRange(range);
    let answer: GetObjectCommandOutput;
    try {
      answer = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
      );
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      if (range && error instanceof S3ServiceException && (error.name === 'InvalidRange' || error.$metadata.httpStatusCode === 416)) {
        throw unsatisfiable(range);
      }
      throw error;
    }
    const { Body, ContentRange } = answer;
    // In Node the Body is an http.IncomingMessage; the SDK's type also allows a web stream.
    const body =
      Body === undefined
        ? Readable.from([])
        : Body instanceof Readable
          ? Body
          : Readable.fromWeb(Body.transformToWebStream() as WebReadableStream<Uint8Array>);
    if (!range) return body;
    // S3 serves the range asked for (its end cut at the object's); a server that answers with more
    // (s3rver answers `bytes=0-0` with the whole object) has the rest cut off here.
    const served = /^bytes (\d+)-(\d+)\//.exec(ContentRange ?? '');
    const servedStart = served ? Number(served[1]) : 0;
    const servedEnd = served ? Number(served[2]) : Infinity;
    if (servedStart === range.start && servedEnd <= range.end) return body;
    if (servedStart > range.start) {
      body.destroy();
      throw new Error(`asked for bytes ${range.start}-${range.end} of ${key}, the server sent ${ContentRange ?? 'all'}`);
    }
    return slice(body, range.start - servedStart, range.end - range.start + 1);
  }

  async deleteAll(prefix: string): Promise<number> {
    assertMediaPrefix(prefix);
    let removed = 0;
    // Each page holds at most 1000 keys, DeleteObjects' limit.
    for await (const page of paginateListObjectsV2({ client: this.client, pageSize: 1000 }, { Bucket: this.bucket, Prefix: prefix })) {
      const keys = keysOf(page.Contents);
      if (keys.length === 0) continue;
      const { Errors } = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
      );
      const first = Errors?.[0];
      if (first) {
        throw new Error(`could not delete ${Errors.length} of ${keys.length} objects, e.g. ${first.Key}: ${first.Code} ${first.Message}`);
      }
      removed += keys.length;
    }
    return removed;
  }

  async list(prefix: string): Promise<string[]> {
    assertMediaPrefix(prefix);
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2({ client: this.client, pageSize: 1000 }, { Bucket: this.bucket, Prefix: prefix })) {
      keys.push(...keysOf(page.Contents));
    }
    return keys;
  }

  /** Closes the client's connections, when the store made the client. */
  close(): void {
    if (this.ownsClient) this.client.destroy();
  }
}

/** `length` bytes of `source` after its first `skip`; stops reading (and destroys) `source` once it has them. */
function slice(source: Readable, skip: number, length: number): Readable {
  return Readable.from(
    (async function* () {
      let position = 0;
      const end = skip + length;
      for await (const chunk of source as AsyncIterable<Buffer>) {
        const from = Math.max(skip - position, 0);
        const to = Math.min(end - position, chunk.length);
        position += chunk.length;
        if (to > from) yield chunk.subarray(from, to);
        if (position >= end) return;
      }
    })(),
    { objectMode: false },
  );
}

const keysOf = (contents: { Key?: string }[] | undefined): string[] =>
  (contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key]));

/** NoSuchKey, or another 404 that is not about a missing bucket (a misconfiguration, which must not look like a missing object). */
function isMissingObject(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  if (error.name === 'NoSuchKey') return true;
  return error.$metadata.httpStatusCode === 404 && error.name !== 'NoSuchBucket';
}
