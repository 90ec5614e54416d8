import type { ExecutionArgs, ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { GatewayError } from '../domain/errors.js';
import type { Logger } from '../logger.js';
import type { GatewayContext } from '../resolvers/context.js';

/**
 * Logs each operation (its name and kind, never its variables) at debug level, and every
 * unexpected error once, with the request id, before it is masked, on every transport.
 * Its hooks are made once, not per operation: thousands of subscriptions hold them.
 */
export function useOperationLogging(logger: Logger): Plugin<GatewayContext> {
  const logOperation = (args: ExecutionArgs, kind: string) => {
    const { reqId, owner } = args.contextValue as GatewayContext;
    logger.debug({ reqId, operationName: args.operationName ?? null, owner, kind }, 'graphql operation');
  };
  const logUnexpected = ({ args, result }: { args: ExecutionArgs; result: unknown }) => {
    if (isAsyncIterable(result)) return;
    for (const error of (result as ExecutionResult).errors ?? []) {
      if (isUnexpected(error))
        logger.error({ reqId: (args.contextValue as GatewayContext).reqId, err: error.originalError }, 'unexpected error');
    }
  };
  const afterExecute = { onExecuteDone: logUnexpected };
  const afterSubscribe = { onSubscribeResult: logUnexpected };
  return {
    onExecute: ({ args }) => {
      logOperation(args, 'execute');
      return afterExecute;
    },
    onSubscribe: ({ args }) => {
      logOperation(args, 'subscribe');
      return afterSubscribe;
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
