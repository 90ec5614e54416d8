import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export type TrustedDocumentsSettings = Config['trustedDocuments'];

/** The stable `extensions.code` of each refusal, the same on HTTP, SSE and WebSocket. */
export const TRUSTED_DOCUMENT_CODES = {
  /** `only` mode: the request carried a document instead of a trusted document's id. */
  only: 'PERSISTED_QUERY_ONLY',
  /** The id names no document of the manifests. */
  notFound: 'PERSISTED_QUERY_NOT_FOUND',
} as const;

/** A request error over HTTP (yoga answers 400 and drops `http` from the response); sockets have no status. */
const HTTP_REQUEST_ERROR = { http: { status: 400 } };

const MESSAGES = {
  only: 'Only trusted documents may run here: send the id of one (documentId, or extensions.persistedQuery.sha256Hash) instead of a document.',
  notFound: 'No trusted document has this id: regenerate the client’s documents and the gateway’s manifest (npm run codegen).',
  missing: 'Send a document (query), or the id of a trusted document (documentId, or extensions.persistedQuery.sha256Hash).',
};

/**
 * Trusted documents (persisted operations): the documents of the committed manifests
 * (GraphQL Code Generator's persisted-documents.json, sha256 id → document), which clients
 * name by id instead of sending them. Ids resolve in every mode, for the studio page sends
 * nothing else; the mode decides what happens to a document sent as text: `off` runs it,
 * `allow` runs it and logs it (to find the clients that still send documents), `only`
 * refuses it. HTTP and SSE go through yoga's persisted-operations plugin, WebSocket through
 * `resolve`; both decide with the same ids, manifests and errors.
 */
export class TrustedDocuments {
  private constructor(
    readonly mode: TrustedDocumentsSettings['mode'],
    private readonly documents: ReadonlyMap<string, string>,
    private readonly logger: Logger,
  ) {}

  /** Reads the manifests; a missing or malformed one stops the start. */
  static load(settings: TrustedDocumentsSettings, logger: Logger): TrustedDocuments {
    const documents = new Map<string, string>();
    for (const path of settings.manifests) for (const [id, document] of readManifest(path)) documents.set(id, document);
    return new TrustedDocuments(settings.mode, documents, logger);
  }

  /** The HTTP side: documents sent as text are logged in `allow` mode, then yoga's plugin resolves ids. */
  yogaPlugins(): Plugin[] {
    const logUntrusted: Plugin = {
      onParams: ({ params }) => {
        if (params.query) this.untrusted(params.operationName, 'http');
      },
    };
    return [
      ...(this.mode === 'allow' ? [logUntrusted] : []),
      usePersistedOperations({
        allowArbitraryOperations: this.mode !== 'only',
        extractPersistedOperationId: (params, request) => idOf(params) ?? documentIdOfGet(request),
        getPersistedOperation: (id) => this.documents.get(id) ?? null,
        customErrors: {
          persistedQueryOnly: () => this.refusal('only', HTTP_REQUEST_ERROR),
          notFound: () => this.refusal('notFound', HTTP_REQUEST_ERROR),
          keyNotFound: () => this.refusal(this.mode === 'only' ? 'only' : 'missing', HTTP_REQUEST_ERROR),
        },
      }),
    ];
  }

  /**
   * The document a WebSocket subscribe payload runs, by the rules the plugin applies over
   * HTTP; graphql-ws requires `query` to be a string, so an id comes with an empty query.
   */
  resolve(params: { query: string; operationName?: string | null; extensions?: Record<string, unknown> | null }): string | GraphQLError {
    if (params.query !== '') {
      if (this.mode === 'only') return this.refusal('only');
      if (this.mode === 'allow') this.untrusted(params.operationName, 'websocket');
      return params.query;
    }
    const id = idOf(params);
    if (id === null) return this.refusal(this.mode === 'only' ? 'only' : 'missing');
    return this.documents.get(id) ?? this.refusal('notFound');
  }

  private untrusted(operationName: string | null | undefined, transport: string): void {
    this.logger.info({ operationName: operationName ?? null, transport }, 'untrusted document: sent as text, not by id');
  }

  private refusal(kind: keyof typeof MESSAGES, http?: typeof HTTP_REQUEST_ERROR): GraphQLError {
    const code = kind === 'missing' ? 'BAD_REQUEST' : TRUSTED_DOCUMENT_CODES[kind];
    return new GraphQLError(MESSAGES[kind], { extensions: { code, ...http } });
  }
}

/**
 * The id a request names: `documentId` (the GraphQL-over-HTTP persisted documents
 * convention, `sha256:<hex>`), or Apollo's `extensions.persistedQuery.sha256Hash` (`<hex>`).
 */
function idOf(params: { documentId?: unknown; extensions?: Record<string, unknown> | null }): string | null {
  if (typeof params.documentId === 'string') return params.documentId;
  const persisted = params.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
  if (persisted?.version === 1 && typeof persisted.sha256Hash === 'string') return `sha256:${persisted.sha256Hash}`;
  return null;
}

/** Yoga's GET parser keeps only the standard parameters, so a GET's `documentId` is read from its URL. */
function documentIdOfGet(request: Request): string | null {
  return request.method === 'GET' ? new URL(request.url).searchParams.get('documentId') : null;
}

function readManifest(path: string): [string, string][] {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`PERSISTED_OPERATIONS_MANIFESTS: cannot read the manifest ${path}: ${(error as Error).message}`, { cause: error });
  }
  const entries = typeof manifest === 'object' && manifest !== null && !Array.isArray(manifest) ? Object.entries(manifest) : [];
  if (entries.length === 0 || !entries.every(([, document]) => typeof document === 'string')) {
    throw new Error(`PERSISTED_OPERATIONS_MANIFESTS: ${path} is not a manifest (a JSON object of document ids to documents)`);
  }
  return entries as [string, string][];
}
