import type { ServerResponse } from 'node:http';
import type { Job, JobQueue } from './jobs.js';
import { statusBody, type RequestUrls } from './status-body.js';

export interface StatusStreamOptions {
  withLogs: boolean;
  logMode: 'delta' | 'cumulative';
  keepAliveMs: number;
  /**
   * 'end': end the body cleanly right after the first event. 'drop': destroy the socket when the
   * second event is due, so the client has the first one before the connection breaks.
   */
  fault: 'none' | 'end' | 'drop';
}

/**
 * Server-sent status events: the current status at once, then one event per visible change,
 * ending the body right after the COMPLETED event.
 */
export function openStatusStream(res: ServerResponse, queue: JobQueue, job: Job, urls: RequestUrls, options: StatusStreamOptions): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    'x-fal-request-id': job.requestId,
  });
  let logsSent = 0;
  let lastState = '';
  const keepAlive = setInterval(() => res.write(': ping\n\n'), options.keepAliveMs);
  const unsubscribe = queue.subscribe(job, send);
  const close = (): void => {
    clearInterval(keepAlive);
    unsubscribe();
  };
  res.on('close', close);

  function send(): void {
    if (res.writableEnded || res.destroyed) return;
    const position = queue.queuePosition(job);
    // Only what this stream shows counts as a change: not a pause, nor a log line while logs=0.
    const state = `${job.status}:${position}:${options.withLogs ? job.logs.length : ''}`;
    if (state === lastState) return;
    if (options.fault === 'drop' && lastState !== '') {
      close();
      res.destroy();
      return;
    }
    lastState = state;
    const logs = options.withLogs ? job.logs.slice(options.logMode === 'delta' ? logsSent : 0) : null;
    logsSent = job.logs.length;
    const frame = `data: ${JSON.stringify(statusBody(job, position, logs, urls))}\n\n`;
    if (job.status === 'COMPLETED' || options.fault === 'end') {
      close();
      res.end(frame);
    } else {
      res.write(frame);
    }
  }

  send();
}
