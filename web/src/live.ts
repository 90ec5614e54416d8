import { createClient, type Client } from 'graphql-ws';
import type { Credentials } from './api-key.js';
import { documentIdOf } from './document-id.js';
import { AnimationProgressDocument, type AnimationProgressSubscription } from './gql/graphql.js';
import { problemFromSubscription, type GatewayProblem } from './problems.js';
import { isTerminal } from './status.js';

export type ProgressEvent = AnimationProgressSubscription['animationProgress'];

export interface ProgressObserver {
  /**
   * One event. `snapshot` is true for the first event of a subscription, whose newLogs hold
   * every log line so far: the first one, and the first after each reconnect.
   */
  next(event: ProgressEvent, snapshot: boolean): void;
  error(problem: GatewayProblem): void;
  /** False while the socket is lost and being re-established, true once it is back. */
  connection(live: boolean): void;
}

/**
 * The subscription by its trusted document's id, in Apollo's `persistedQuery` extension:
 * graphql-ws requires a `query` string, so it is empty.
 */
function progressById(id: string) {
  const sha256Hash = documentIdOf(AnimationProgressDocument).replace(/^sha256:/, '');
  return { query: '', variables: { id }, extensions: { persistedQuery: { version: 1, sha256Hash } } };
}

interface Watch {
  snapshotNext: boolean;
  lost: boolean;
  observer: ProgressObserver;
}

/** Live progress over graphql-ws: one lazy socket for the page, re-established when it drops. */
export class LiveProgress {
  private readonly client: Client;
  private readonly watches = new Set<Watch>();

  constructor(
    url: string,
    private readonly credentials: Credentials,
  ) {
    this.client = createClient({
      url,
      lazy: true,
      // Called at every (re)connect, so a key entered after a refusal is used on the next try.
      connectionParams: () => {
        const key = credentials.key();
        return key ? { authorization: `Bearer ${key}` } : {};
      },
      retryAttempts: 10,
      // A 4403 (missing or wrong credentials) will not change by retrying with the same key.
      shouldRetry: (reason) => !isForbidden(reason),
    });
    this.client.on('closed', () => {
      for (const watch of this.watches) {
        watch.lost = true;
        watch.observer.connection(false);
      }
    });
    this.client.on('connected', () => {
      for (const watch of this.watches) {
        // graphql-ws subscribes again on the new socket, and the gateway answers with a fresh snapshot.
        watch.snapshotNext = true;
        if (watch.lost) watch.observer.connection(true);
        watch.lost = false;
      }
    });
  }

  /** Follows one animation (a snapshot, then one event per change) until it ends; the result stops following. */
  watch(id: string, observer: ProgressObserver): () => void {
    const watch: Watch = { snapshotNext: true, lost: false, observer };
    this.watches.add(watch);
    const unsubscribe = this.client.subscribe<AnimationProgressSubscription>(progressById(id), {
      next: ({ data, errors }) => {
        if (!this.watches.has(watch)) return;
        if (errors?.length || !data) return this.fail(watch, errors ?? []);
        const snapshot = watch.snapshotNext;
        watch.snapshotNext = false;
        if (isTerminal(data.animationProgress.animation.status)) this.watches.delete(watch);
        observer.next(data.animationProgress, snapshot);
      },
      error: (reason) => {
        if (this.watches.has(watch)) this.fail(watch, reason);
      },
      complete: () => this.watches.delete(watch),
    });
    return () => {
      this.watches.delete(watch);
      unsubscribe();
    };
  }

  /** Closes the socket, so the next subscription authenticates with the credentials as they are then. */
  dropConnection(): void {
    this.client.terminate();
  }

  private fail(watch: Watch, reason: unknown): void {
    this.watches.delete(watch);
    const problem = problemFromSubscription(reason);
    if (problem.code === 'UNAUTHENTICATED') this.credentials.refused();
    watch.observer.error(problem);
  }
}

function isForbidden(reason: unknown): boolean {
  return (reason as { code?: unknown } | null)?.code === 4403;
}
