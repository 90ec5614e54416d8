import { createGraphQLError, maskError as yogaMaskError } from 'graphql-yoga';
import type { GraphQLError } from 'graphql';
import { GatewayError } from '../domain/errors.js';

/**
 * Shows a GatewayError to the caller with its stable `extensions.code`; masks everything
 * else as yoga does (a generic message and INTERNAL_SERVER_ERROR, no internals). The
 * operation-logging plugin logs the originals.
 */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const located = error as Partial<GraphQLError> | undefined;
  const original = located?.originalError ?? error;
  if (original instanceof GatewayError) {
    return createGraphQLError(original.message, {
      nodes: located?.nodes,
      path: located?.path,
      extensions: {
        code: original.code,
        ...original.details,
        ...(original.code === 'UNAUTHENTICATED' && { http: { status: 401 } }),
      },
    });
  }
  if (located && isVariableCoercionError(located)) {
    // A request no execution can start for: 400 whatever the client accepts.
    return createGraphQLError(located.message!, { nodes: located.nodes, extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
  }
  if (located && isUncodedRequestError(located)) {
    return createGraphQLError(located.message!, { extensions: { ...located.extensions, code: 'BAD_REQUEST' } });
  }
  if (located?.extensions?.code === 'REQUEST_ENTITY_TOO_LARGE') {
    // An upload over the multipart file limit: bad input, as in the contract.
    return createGraphQLError(located.message!, { extensions: { ...located.extensions, code: 'BAD_USER_INPUT' } });
  }
  return yogaMaskError(error, message, isDev);
}

/**
 * maskError, and in production also what helps a prober more than a user: graphql-js's
 * "Did you mean …?" suggestions (enum values, fields, types) and the `originalError`
 * yoga attaches to request errors (its invalid-JSON error quotes the body).
 */
export function gatewayMaskError(production: boolean): (error: unknown, message: string, isDev?: boolean) => Error {
  if (!production) return maskError;
  return (error, message, isDev) => {
    const masked = maskError(error, message, isDev) as GraphQLError;
    const extensions = masked.extensions as Record<string, unknown> | undefined;
    const suggestion = typeof masked.message === 'string' && SUGGESTION.test(masked.message);
    if (!suggestion && extensions?.originalError === undefined) return masked;
    const { originalError: _dropped, ...kept } = extensions ?? {};
    return createGraphQLError(suggestion ? masked.message.replace(SUGGESTION, '') : masked.message, {
      nodes: masked.nodes,
      path: masked.path,
      extensions: kept,
    });
  };
}

/** graphql-js's suggestion, at the end of a message: ` Did you mean "A", "B" or "C"?` and the like. */
const SUGGESTION = /\s*Did you mean\b[\s\S]*$/;

/** A refusal of the HTTP request itself (yoga's CSRF check, say) that came without a code. */
function isUncodedRequestError(error: Partial<GraphQLError>): boolean {
  const status = (error.extensions?.http as { status?: number } | undefined)?.status;
  return error.extensions?.code === undefined && status !== undefined && status >= 400 && status < 500;
}

/** graphql-js reports variables of the wrong type without a code; they are bad user input. */
function isVariableCoercionError(error: Partial<GraphQLError>): boolean {
  const cause = error.originalError;
  return (
    (cause === undefined || cause === null || cause.name === 'GraphQLError') &&
    error.extensions?.code === undefined &&
    typeof error.message === 'string' &&
    error.message.startsWith('Variable "$')
  );
}
