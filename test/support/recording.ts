import { print, type DocumentNode } from 'graphql';
import WebSocket from 'ws';

/** Everything a client saw: response statuses, headers, bodies and WebSocket frames. */
export class TrafficRecorder {
  readonly captured: string[] = [];

  /** A fetch that records each response's headers and body before handing it back. */
  readonly fetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    // Bounded like every wait: an answer, SSE streams included, within 30 s.
    const response = await fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(30_000) });
    const body = await response.text();
    this.captured.push(`${response.status} ${JSON.stringify([...response.headers])}\n${body}`);
    return new Response(body, { status: response.status, headers: response.headers });
  };

  /** A WebSocket class for graphql-ws that records every frame the server sends, and close reasons. */
  get WebSocket(): typeof WebSocket {
    const captured = this.captured;
    class RecordingWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols);
        this.on('message', (data) => captured.push(String(data)));
        this.on('close', (code, reason) => captured.push(`close ${code} ${String(reason)}`));
      }
    }
    return RecordingWebSocket as unknown as typeof WebSocket;
  }

  async post(baseUrl: string, document: DocumentNode, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
    return this.fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: print(document), variables }),
    });
  }
}

/** The spellings a leaked secret could take. */
export function spellingsOf(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    Buffer.from(secret).toString('hex'),
  ];
}
