import { createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Chunk size of every byte source: a response body is produced and written this much at a time. */
export const CHUNK_BYTES = 64 * 1024;

/** Bytes a file is served from: its size, and any inclusive range of it as chunks, produced on demand. */
export interface ByteSource {
  readonly size: number;
  /** Bytes `start..end` (inclusive; nothing when end < start), at most CHUNK_BYTES per chunk. */
  chunks(start: number, end: number): Generator<Buffer>;
}

export function bufferSource(bytes: Buffer): ByteSource {
  return {
    size: bytes.length,
    *chunks(start, end) {
      for (let at = start; at <= end; at += CHUNK_BYTES) yield bytes.subarray(at, Math.min(end + 1, at + CHUNK_BYTES));
    },
  };
}

/** The padding is the AES-128-CTR keystream of this fixed key: deterministic, incompressible, and seekable. */
const PADDING_KEY = Buffer.from('fal-simulator-pad!'.slice(0, 16), 'utf8');
const AES_BLOCK = 16;

function padding(offset: number, length: number): Buffer {
  const iv = Buffer.alloc(AES_BLOCK);
  iv.writeBigUInt64BE(BigInt(Math.floor(offset / AES_BLOCK)), 8);
  const skip = offset % AES_BLOCK;
  return createCipheriv('aes-128-ctr', PADDING_KEY, iv)
    .update(Buffer.alloc(skip + length))
    .subarray(skip);
}

/** A synthetic MP4 of `size` bytes: the real clip's bytes (cut short when size is smaller), then padding. */
export function resultClipSource(clip: Buffer, size: number): ByteSource {
  const bytesAt = (from: number, to: number): Buffer => {
    if (to <= clip.length) return clip.subarray(from, to);
    if (from >= clip.length) return padding(from - clip.length, to - from);
    return Buffer.concat([clip.subarray(from), padding(0, to - clip.length)]);
  };
  return {
    size,
    *chunks(start, end) {
      const last = Math.min(end, size - 1);
      for (let at = start; at <= last; at += CHUNK_BYTES) yield bytesAt(at, Math.min(last + 1, at + CHUNK_BYTES));
    },
  };
}

let assetClip: Buffer | undefined;

/** The real clip every succeeded job returns, `assets/result.mp4`. */
export function resultClipAsset(): Buffer {
  assetClip ??= readFileSync(new URL('../assets/result.mp4', import.meta.url));
  return assetClip;
}

/** A whole number of bytes, or undefined (the clip's own size) for anything else. */
export function resultSize(resultBytes: number | undefined): number | undefined {
  return resultBytes === undefined || !Number.isFinite(resultBytes) ? undefined : Math.max(0, Math.floor(resultBytes));
}

/**
 * The bytes of a job's result video whose plan had `resultBytes: size` (default: the clip's own
 * size), chunk by chunk, so that a test can hash a large one without holding it.
 */
export function resultClipChunks(size?: number): Generator<Buffer> {
  const clip = resultClipAsset();
  const bytes = resultSize(size) ?? clip.length;
  return resultClipSource(clip, bytes).chunks(0, bytes - 1);
}

/** The whole bytes of a job's result video whose plan had `resultBytes: size` (default: the clip's own size). */
export function resultClipBytes(size?: number): Buffer {
  return Buffer.concat([...resultClipChunks(size)]);
}
