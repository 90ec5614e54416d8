import type { ByteRange } from '../../ports/media-store.js';

/** The key and range rules both media stores hold to: no path tricks, nothing a store could mistake for its own temporary file. */

const KEY_CHARACTERS = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;
/** S3's limit on a key's length (in bytes; keys are ASCII here). */
const MAX_KEY_LENGTH = 1024;

/**
 * Throws unless `key` is a media key both stores can hold safely: the port's characters,
 * `/`-separated segments that are neither empty nor start with `.` (so no `.`/`..`, no
 * leading `/`, and nothing that could be mistaken for a store's temporary file).
 */
export function assertMediaKey(key: string): void {
  if (key.length > MAX_KEY_LENGTH || !KEY_CHARACTERS.test(key) || !key.split('/').every(isPlainSegment)) {
    throw new Error(`invalid media key ${JSON.stringify(key)}`);
  }
}

/** Throws unless `prefix` is `''` or the start of a valid key (it may end with `/` or mid-segment). */
export function assertMediaPrefix(prefix: string): void {
  if (prefix === '') return;
  const segments = prefix.split('/');
  const last = segments.pop()!;
  const valid =
    prefix.length <= MAX_KEY_LENGTH &&
    KEY_CHARACTERS.test(prefix) &&
    segments.every(isPlainSegment) &&
    (last === '' || isPlainSegment(last));
  if (!valid) throw new Error(`invalid media key prefix ${JSON.stringify(prefix)}`);
}

/** Throws unless `range` is a non-empty inclusive range of non-negative integers. */
export function assertByteRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`invalid byte range ${start}-${end}`);
  }
}

/** What both stores throw for a range that starts at or after the object's end (an end past it is cut short, as in HTTP). */
export function unsatisfiable(range: ByteRange, size?: number): RangeError {
  return new RangeError(`byte range ${range.start}-${range.end} is not satisfiable${size === undefined ? '' : ` for ${size} bytes`}`);
}

const isPlainSegment = (segment: string) => segment !== '' && !segment.startsWith('.');
