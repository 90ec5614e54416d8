import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import parseRange from 'range-parser';
import type { KeptVideo } from '../domain/animation.js';
import type { MediaLinks } from '../animations/custody/media-links.js';
import type { Logger } from '../logger.js';
import type { MediaStore } from '../ports/media-store.js';

/**
 * GET and HEAD /media/<animation id>/<file>?expires&signature: a kept video, with Range
 * (206), Content-Type, Content-Length, Accept-Ranges and ETag; 304 for a matching
 * If-None-Match. 403 for a forged or expired URL, 404 when the file is gone (deleted,
 * expired by retention); the body says nothing more.
 */
export function mediaRoute(deps: {
  links: MediaLinks;
  /** The kept video stored under `key` and its owner, if it is still kept. */
  findVideo: (key: string) => Promise<{ owner: string; video: KeptVideo } | undefined>;
  media: MediaStore;
  logger: Logger;
}) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, { allow: 'GET, HEAD' });
    const key = deps.links.keyOf(url.pathname);
    if (!key) return refuse(res, 404);
    if (!url.searchParams.has('signature')) return refuse(res, 403);
    const kept = await deps.findVideo(key);
    if (!kept) return refuse(res, 404);
    if (deps.links.verify(key, kept.owner, url.searchParams) !== 'valid') return refuse(res, 403);

    const { video } = kept;
    const etag = `"${video.sha256}"`;
    const headers = {
      'content-type': video.contentType,
      'accept-ranges': 'bytes',
      etag,
      'cache-control': `private, max-age=${deps.links.secondsLeft(url.searchParams)}`,
    };
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304, headers).end();
    const ranges = req.headers.range ? parseRange(video.fileSize, req.headers.range, { combine: true }) : undefined;
    if (ranges === -1) return void res.writeHead(416, { ...headers, 'content-range': `bytes */${video.fileSize}` }).end();
    // Several ranges, or a header that is not one: the whole file, as RFC 9110 allows.
    const range = Array.isArray(ranges) && ranges.length === 1 && ranges.type === 'bytes' ? ranges[0] : undefined;
    const { start, end } = range ?? { start: 0, end: video.fileSize - 1 };

    const body = req.method === 'HEAD' ? undefined : await deps.media.read(video.key, range);
    if (req.method === 'GET' && !body) return refuse(res, 404);
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'content-length': end - start + 1,
      ...(range && { 'content-range': `bytes ${start}-${end}/${video.fileSize}` }),
    });
    if (!body) return void res.end();
    await pipeline(body, res).catch((err: unknown) => {
      // The client going away mid-video is normal; anything else is worth a line.
      if (!res.destroyed) deps.logger.warn({ err, mediaKey: key }, 'serving a video failed');
    });
  };
}

function refuse(res: ServerResponse, status: 403 | 404 | 405, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers }).end(String(status));
}
