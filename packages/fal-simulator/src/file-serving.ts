import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StoredFile } from './types.js';

type ByteRange = { start: number; end: number } | 'unsatisfiable' | undefined;

/** Serves stored bytes with single-range support, so a browser <video> can play and seek. */
export function serveFile(req: IncomingMessage, res: ServerResponse, file: StoredFile): void {
  const size = file.bytes.length;
  const headers: Record<string, string | number> = {
    'Content-Type': file.contentType,
    'Accept-Ranges': 'bytes',
    // Lets a page on the gateway's origin fetch the clip, not only play it.
    'Access-Control-Allow-Origin': '*',
  };
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` });
    res.end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const body = file.bytes.subarray(start, end + 1);
  res.writeHead(range ? 206 : 200, {
    ...headers,
    'Content-Length': body.length,
    ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Multiple ranges and malformed headers are answered with the whole file, as RFC 9110 allows. */
function parseRange(header: string | undefined, size: number): ByteRange {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}
