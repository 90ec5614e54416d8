import { createGraphQLError, maskError as yogaMaskError } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import { GatewayError } from '../animations/errors.js';

/**
 * Shows a GatewayError to the caller with its stable `extensions.code`; masks everything
 * else as yoga does (a generic message and INTERNAL_SERVER_ERROR, no internals).
 */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof GatewayError) {
    return createGraphQLError(original.message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: original.code, ...original.details },
    });
  }
  return yogaMaskError(error, message, isDev);
}
