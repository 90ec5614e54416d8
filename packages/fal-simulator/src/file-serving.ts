import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ByteSource } from './byte-source.js';

type ByteRange = { start: number; end: number } | 'unsatisfiable' | undefined;

/** A file as served: its content type and the bytes it is streamed from. */
export interface ServedFile {
  contentType: string;
  source: ByteSource;
}

export interface ServeOptions {
  /** Send this many body bytes (all when the body is shorter), then hold the response open without ending it. */
  stallAfterBytes?: number;
  /** A GET answered 200/206 begins sending its body. */
  onStart?(): void;
  /** The bytes before the stall were handed to the socket; the response stays open. */
  onStall?(): void;
  /** The body was sent in full and ended. */
  onComplete?(): void;
  /** The connection closed before the body ended (the client went away, or the server stopped). */
  onAbort?(): void;
}

/**
 * Serves a file with single-range support, so a browser <video> can play and seek; the body is
 * streamed chunk by chunk with backpressure, never assembled whole.
 */
export function serveFile(req: IncomingMessage, res: ServerResponse, file: ServedFile, options: ServeOptions = {}): void {
  const { size } = file.source;
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
  res.writeHead(range ? 206 : 200, {
    ...headers,
    'Content-Length': end - start + 1,
    ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  options.onStart?.();
  const stall = options.stallAfterBytes;
  const last = stall === undefined ? end : Math.min(end, start + Math.max(0, Math.floor(stall)) - 1);
  streamBody(res, file.source.chunks(start, last), stall !== undefined, options);
}

function streamBody(res: ServerResponse, chunks: Generator<Buffer>, stall: boolean, options: ServeOptions): void {
  let unflushed = 0;
  let written = false;
  let stalled = false;
  const reachStall = (): void => {
    if (!stall || stalled || !written || unflushed > 0 || res.destroyed) return;
    stalled = true;
    options.onStall?.();
  };
  const flushed = (): void => {
    unflushed -= 1;
    reachStall();
  };
  res.on('close', () => {
    res.off('drain', pump);
    chunks.return(undefined);
    if (res.writableFinished) options.onComplete?.();
    else options.onAbort?.();
  });
  function pump(): void {
    for (;;) {
      if (res.destroyed) return;
      const next = chunks.next();
      if (next.done) break;
      unflushed += 1;
      if (!res.write(next.value, flushed)) {
        res.once('drain', pump);
        return;
      }
    }
    written = true;
    if (!stall) {
      res.end();
      return;
    }
    // Sends the status line and headers even when no body byte comes before the stall.
    res.flushHeaders();
    reachStall();
  }
  pump();
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
