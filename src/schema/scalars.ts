import { builder } from './builder.js';

builder.scalarType('DateTime', {
  description: 'ISO-8601 date and time, e.g. 2026-11-23T19:04:47.000Z',
  serialize: (value) => value,
  parseValue: (value) => {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw new TypeError('DateTime must be an ISO-8601 string');
    return value;
  },
});

const NOT_A_FILE = 'File must be a file part of a multipart request (with a filename)';

builder.scalarType('File', {
  description: 'A file sent with the GraphQL multipart request spec.',
  serialize: () => {
    throw new TypeError('File is an input-only scalar');
  },
  // Only a multipart file part is a file: a string, a number, an object from JSON, or a
  // multipart field without a filename is bad input, refused before any resolver runs.
  parseValue: (value) => {
    if (!isFile(value)) throw new TypeError(NOT_A_FILE);
    return value;
  },
  parseLiteral: () => {
    throw new TypeError(NOT_A_FILE);
  },
});

/** A Blob of any implementation (multipart parsers bring their own): its bytes can be read. */
export function isFile(value: unknown): value is File {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Blob>).arrayBuffer === 'function' &&
    typeof (value as Partial<Blob>).size === 'number'
  );
}
