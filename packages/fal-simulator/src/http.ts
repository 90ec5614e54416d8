import type { IncomingMessage, ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  const errorType = errorTypeOf(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...(errorType === undefined ? {} : { 'X-Fal-Error-Type': errorType }),
    ...headers,
  });
  res.end(text);
}

function errorTypeOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('error_type' in body)) return undefined;
  return typeof body.error_type === 'string' ? body.error_type : undefined;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** undefined when the body is not JSON; an empty body reads as `{ value: undefined }`. */
export function parseJson(body: Buffer): { value: unknown } | undefined {
  if (body.length === 0) return { value: undefined };
  try {
    return { value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}
