import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { GatewayError } from '../domain/errors.js';
import type { Logger } from '../logger.js';
import type { GatewayContext } from '../resolvers/context.js';

/**
 * Logs each operation (its name and kind, never its variables) at debug level, and every
 * unexpected error once, with the request id, before it is masked, on every transport.
 */
export function useOperationLogging(logger: Logger): Plugin<GatewayContext> {
  const log = (args: { operationName?: string | null; contextValue: GatewayContext }, kind: string) => {
    const { reqId, owner } = args.contextValue;
    logger.debug({ reqId, operationName: args.operationName ?? null, owner, kind }, 'graphql operation');
    const logUnexpected = ({ result }: { result: unknown }) => {
      for (const error of (result as ExecutionResult).errors ?? []) {
        if (isUnexpected(error)) logger.error({ reqId, err: error.originalError }, 'unexpected error');
      }
    };
    return logUnexpected;
  };
  return {
    onExecute: ({ args }) => {
      const logUnexpected = log(args as never, 'execute');
      return { onExecuteDone: (payload) => (isAsyncIterable(payload.result) ? undefined : logUnexpected(payload)) };
    },
    onSubscribe: ({ args }) => {
      const logUnexpected = log(args as never, 'subscribe');
      return { onSubscribeResult: (payload) => (isAsyncIterable(payload.result) ? undefined : logUnexpected(payload)) };
    },
  };
}

/** An error raised by code rather than by GraphQL itself or as a deliberate GatewayError. */
function isUnexpected(error: GraphQLError): boolean {
  const original = error.originalError;
  return original !== undefined && original !== null && original.name !== 'GraphQLError' && !(original instanceof GatewayError);
}

function isAsyncIterable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
