import type { Readable } from 'node:stream';

/** An inclusive byte range of a stored object. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where the gateway keeps the videos it copied from fal. Keys are the gateway's own
 * (`<animation id>/<file name>`), made of letters, digits, `-`, `_`, `.` and `/`.
 */
export interface MediaStore {
  /**
   * Streams `body` into the object `key`, replacing any object there, atomically: a reader
   * sees the whole new object or none of it, never part. Rejects (and leaves nothing
   * behind) when `body` fails. Resolves with the number of bytes stored.
   */
  put(key: string, body: Readable, contentType: string): Promise<{ size: number }>;

  /** The object's bytes (only `range` when given); undefined when there is no such object. Resolves before the first byte. */
  read(key: string, range?: ByteRange): Promise<Readable | undefined>;

  /** Removes every object whose key starts with `prefix`; resolves with how many there were. */
  deleteAll(prefix: string): Promise<number>;

  /** Every key that starts with `prefix` (operators and tests count what is left). */
  list(prefix: string): Promise<string[]>;

  /**
   * True when the store can take objects now (for readiness): a cheap check, never a write.
   * Resolves false, never rejects, on any failure, or when `signal` aborts first.
   */
  ping(signal?: AbortSignal): Promise<boolean>;

  /** Lets go of connections; nothing may be called after. */
  close(): void;
}
