import { print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CreateAnimationDocument } from '../gql/graphql.js';
import { graphqlHttp } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway, type TestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { initialisedSocket } from '../support/raw-websocket.js';

const CREATE = print(CreateAnimationDocument);
const BOUNDARY = 'bad-input-boundary';

/** A multipart request per the spec, with the `map` field and file part written exactly as given. */
async function multipart(baseUrl: string, map: string, filePart: string): Promise<{ status: number; codes: unknown[]; text: string }> {
  const operations = JSON.stringify({ query: CREATE, variables: { input: input({ imageUrl: null, image: null }) } });
  const body = [
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n`,
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="map"\r\n\r\n${map}\r\n`,
    filePart,
    `--${BOUNDARY}--\r\n`,
  ].join('');
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'x-graphql-yoga-csrf': '1' },
    body,
  });
  const text = await response.text();
  const parsed = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
  return { status: response.status, codes: (parsed.errors ?? []).map((error) => error.extensions?.code), text };
}

const FILE_PART = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="0"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\nxxxx\r\n`;
const FIELD_PART = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="0"\r\n\r\nnot a file\r\n`;

function errorLines(gateway: TestGateway): string[] {
  return gateway.logs.lines.filter((line) => /"level":(50|60)/.test(line));
}

describe('input that is not a file where a File is expected', () => {
  it('answers BAD_USER_INPUT on HTTP and WebSocket, submits nothing and logs no error', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    const notAFile = input({ imageUrl: null, image: 'abc' as never });

    const http = await graphqlHttp(gateway.url, CreateAnimationDocument, { input: notAFile });
    expect(http.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(http.httpStatus).toBe(400);
    expect(http.data ?? null).toBeNull();

    const socket = await initialisedSocket(gateway.url, {});
    socket.send({ id: '1', type: 'subscribe', payload: { query: CREATE, variables: { input: notAFile } } });
    const answer = await socket.next((m) => m.id === '1' && (m.type === 'error' || m.type === 'next'));
    const wsErrors = (answer.type === 'error' ? answer.payload : (answer.payload as { errors: unknown[] }).errors) as {
      extensions?: { code?: string };
    }[];
    expect(wsErrors.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);

    const fieldNotFile = await multipart(gateway.url, '{"0":["variables.input.image"]}', FIELD_PART);
    expect(fieldNotFile).toMatchObject({ status: 400, codes: ['BAD_USER_INPUT'] });

    expect(simulator.calls.submit).toBe(0);
    expect(errorLines(gateway)).toEqual([]);
  });

  it('answers a multipart map that is not an object of path lists with 400 BAD_USER_INPUT', async () => {
    const simulator = await startSimulator();
    const gateway = await startTestGateway(simulator);
    for (const map of ['[1,2]', '{"0":[1]}', '{"0":[null]}', '{"0":{}}', '"0"', '{"0":"variables.input.image"}']) {
      const answer = await multipart(gateway.url, map, FILE_PART);
      expect({ map, status: answer.status, codes: answer.codes }).toEqual({ map, status: 400, codes: ['BAD_USER_INPUT'] });
    }
    // A well-formed map still works.
    const good = await multipart(gateway.url, '{"0":["variables.input.image"]}', FILE_PART);
    expect(good.codes).toEqual(['BAD_USER_INPUT']);
    expect(good.text).toMatch(/must be a JPEG, PNG or WebP file/);
    expect(simulator.calls.submit).toBe(0);
    expect(errorLines(gateway)).toEqual([]);
  });
});
