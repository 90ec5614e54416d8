import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createParser } from 'eventsource-parser';
import { getOperationAST, print, type DocumentNode, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { LiveSubscription } from './live-subscription.js';

export type Result<R> = ExecutionResult<R, { code?: string; [key: string]: unknown }>;

/**
 * The bound of every request here: a whole query, mutation or upload (response and body), and for an SSE
 * subscription only the wait for its response headers, so a long-lived stream is never cut by it.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Runs `request` with a signal that aborts after REQUEST_TIMEOUT_MS, failing with an error naming `what`. */
async function bounded<T>(what: string, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  try {
    return await request(signal);
  } catch (error) {
    if (signal.aborted) throw new Error(`timed out after ${REQUEST_TIMEOUT_MS} ms waiting for the response to ${what}`, { cause: error });
    throw error;
  }
}

/** How errors name an operation: its name, else the start of its text. */
function describeOperation(document: DocumentNode, transport: string): string {
  return `${transport} ${operationNameOf(document) ?? JSON.stringify(print(document).slice(0, 60))}`;
}

/** POSTs one operation to /graphql and returns the parsed response. */
export async function graphqlHttp<R, V>(
  baseUrl: string,
  document: TypedDocumentNode<R, V>,
  variables: V,
  headers: Record<string, string> = {},
): Promise<Result<R> & { httpStatus: number }> {
  return bounded(describeOperation(document, 'POST'), async (signal) => {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query: print(document), variables }),
      signal,
    });
    return { ...((await response.json()) as Result<R>), httpStatus: response.status };
  });
}

/** Asserts a response has data and no errors, and returns the data. */
export function dataOf<R>(result: Result<R>): R {
  if (result.errors?.length || !result.data) throw new Error(`unexpected errors: ${JSON.stringify(result.errors)}`);
  return result.data;
}

export interface WsClientOptions {
  connectionParams?: Record<string, unknown> | (() => Record<string, unknown>);
}

/** A graphql-ws client over a real socket; no retries, so failures surface. */
export function wsClient(baseUrl: string, options: WsClientOptions = {}): Client {
  return createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: options.connectionParams,
  });
}

export function subscribeWs<R, V extends Record<string, unknown>>(
  client: Client,
  document: TypedDocumentNode<R, V>,
  variables: V,
): LiveSubscription<Result<R>> {
  let live: LiveSubscription<Result<R>> | undefined;
  const unsubscribe = client.subscribe<R>(
    { query: print(document), variables, operationName: operationNameOf(document) },
    {
      next: (value) => live!.push(value as Result<R>),
      error: (error) => live!.error(error),
      complete: () => live!.complete(),
    },
  );
  live = new LiveSubscription(unsubscribe);
  return live;
}

/**
 * Subscribes over Server-Sent Events (yoga's default SSE transport). REQUEST_TIMEOUT_MS bounds only the wait
 * for the response headers (and the body of a non-stream reply); the stream itself runs until it completes or
 * is closed, its events awaited with the LiveSubscription's own bounds.
 */
export function subscribeSse<R, V>(
  baseUrl: string,
  document: TypedDocumentNode<R, V>,
  variables: V,
  headers: Record<string, string> = {},
): LiveSubscription<Result<R>> {
  const controller = new AbortController();
  const live = new LiveSubscription<Result<R>>(() => controller.abort());
  let timedOut: Error | undefined;
  const headersTimer = setTimeout(() => {
    timedOut = new Error(`timed out after ${REQUEST_TIMEOUT_MS} ms waiting for the response to ${describeOperation(document, 'SSE')}`);
    controller.abort(timedOut);
  }, REQUEST_TIMEOUT_MS);
  void (async () => {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query: print(document), variables, operationName: operationNameOf(document) }),
      signal: controller.signal,
    });
    if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      const body = (await response.json()) as Result<R>;
      clearTimeout(headersTimer);
      live.push(body);
      live.complete();
      return;
    }
    clearTimeout(headersTimer);
    const parser = createParser({
      onEvent: (event) => {
        if (event.event === 'complete') live.complete();
        else if (event.data) live.push(JSON.parse(event.data) as Result<R>);
      },
    });
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      parser.feed(decoder.decode(read.value, { stream: true }));
    }
    if (!live.isComplete) live.complete();
  })().catch((error: unknown) => {
    clearTimeout(headersTimer);
    if (timedOut) live.error(timedOut);
    else if (!controller.signal.aborted) live.error(error);
  });
  return live;
}

/** Sends one operation with files, per the GraphQL multipart request spec. */
export async function graphqlMultipart<R, V>(
  baseUrl: string,
  document: TypedDocumentNode<R, V>,
  variables: V,
  files: Record<string, File>,
  headers: Record<string, string> = {},
): Promise<Result<R> & { httpStatus: number }> {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: print(document), variables }));
  const paths = Object.keys(files);
  form.set('map', JSON.stringify(Object.fromEntries(paths.map((path, i) => [String(i), [path]]))));
  paths.forEach((path, i) => form.set(String(i), files[path]!));
  return bounded(describeOperation(document, 'multipart POST'), async (signal) => {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'x-graphql-yoga-csrf': '1', ...headers },
      body: form,
      signal,
    });
    return { ...((await response.json()) as Result<R>), httpStatus: response.status };
  });
}

/** The operation's name, sent as `operationName` the way GraphQL clients do. */
function operationNameOf(document: DocumentNode): string | undefined {
  return getOperationAST(document)?.name?.value;
}
