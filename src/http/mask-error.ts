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
    return createGraphQLError(located.message!, { nodes: located.nodes, extensions: { code: 'BAD_USER_INPUT' } });
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
