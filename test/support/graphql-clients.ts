import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createParser } from 'eventsource-parser';
import { getOperationAST, print, type DocumentNode, type ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { LiveSubscription } from './live-subscription.js';

export type Result<R> = ExecutionResult<R, { code?: string; [key: string]: unknown }>;

/** POSTs one operation to /graphql and returns the parsed response. */
export async function graphqlHttp<R, V>(
  baseUrl: string,
  document: TypedDocumentNode<R, V>,
  variables: V,
  headers: Record<string, string> = {},
): Promise<Result<R> & { httpStatus: number }> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return { ...((await response.json()) as Result<R>), httpStatus: response.status };
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

/** Subscribes over Server-Sent Events (yoga's default SSE transport). */
export function subscribeSse<R, V>(
  baseUrl: string,
  document: TypedDocumentNode<R, V>,
  variables: V,
  headers: Record<string, string> = {},
): LiveSubscription<Result<R>> {
  const controller = new AbortController();
  const live = new LiveSubscription<Result<R>>(() => controller.abort());
  void (async () => {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query: print(document), variables, operationName: operationNameOf(document) }),
      signal: controller.signal,
    });
    if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      live.push((await response.json()) as Result<R>);
      live.complete();
      return;
    }
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
    if (!controller.signal.aborted) live.error(error);
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
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'x-graphql-yoga-csrf': '1', ...headers },
    body: form,
  });
  return { ...((await response.json()) as Result<R>), httpStatus: response.status };
}

/** The operation's name, sent as `operationName` the way GraphQL clients do. */
function operationNameOf(document: DocumentNode): string | undefined {
  return getOperationAST(document)?.name?.value;
}
