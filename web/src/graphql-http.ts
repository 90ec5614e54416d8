import type { Credentials } from './api-key.js';
import { documentIdOf } from './document-id.js';
import type { TypedDocumentString } from './gql/graphql.js';
import { GatewayProblem, problemFromErrors, type GraphqlError } from './problems.js';
import { multipartBody } from './upload.js';

interface GraphqlResponse {
  data?: unknown;
  errors?: GraphqlError[];
}

/** Queries and mutations over HTTP POST to the gateway that serves the page, by document id; files go as multipart. */
export class GraphqlHttp {
  constructor(
    private readonly endpoint: string,
    private readonly credentials: Credentials,
  ) {}

  /** The operation's data; throws a GatewayProblem for GraphQL errors and failed requests. */
  async request<R, V>(document: TypedDocumentString<R, V>, variables: V): Promise<R> {
    const documentId = documentIdOf(document);
    const multipart = multipartBody(documentId, variables);
    const headers: Record<string, string> = {
      accept: 'application/graphql-response+json, application/json',
      // The gateway's CSRF prevention refuses POSTs without it: a cross-site form cannot set headers.
      'x-graphql-yoga-csrf': '1',
    };
    if (!multipart) headers['content-type'] = 'application/json';
    const key = this.credentials.key();
    if (key) headers.authorization = `Bearer ${key}`;

    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers,
        body: multipart ?? JSON.stringify({ documentId, variables }),
      });
    } catch {
      throw new GatewayProblem('NETWORK', 'the gateway could not be reached');
    }
    const body = await readBody(response);
    if (body?.errors?.length) {
      const problem = problemFromErrors(body.errors);
      if (problem.code === 'UNAUTHENTICATED') this.credentials.refused();
      throw problem;
    }
    if (!response.ok || body?.data == null) {
      throw new GatewayProblem('HTTP', `The gateway answered HTTP ${response.status} ${response.statusText}`.trim());
    }
    return body.data as R;
  }
}

async function readBody(response: Response): Promise<GraphqlResponse | undefined> {
  if (!/json/.test(response.headers.get('content-type') ?? '')) return undefined;
  try {
    return (await response.json()) as GraphqlResponse;
  } catch {
    return undefined;
  }
}
