import { builder } from './builder.js';

builder.scalarType('DateTime', {
  description: 'ISO-8601 date and time, e.g. 2026-11-23T19:04:47.000Z',
  serialize: (value) => value,
  parseValue: (value) => {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw new TypeError('DateTime must be an ISO-8601 string');
    return value;
  },
});

builder.scalarType('File', {
  description: 'A file sent with the GraphQL multipart request spec.',
  serialize: () => {
    throw new TypeError('File is an input-only scalar');
  },
});
