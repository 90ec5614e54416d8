import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import type { GatewayContext } from '../resolvers/context.js';

/** Logs each operation (its name and kind, never its variables) at debug level, on every transport. */
export function useOperationLogging(logger: Logger): Plugin<GatewayContext> {
  const log = (args: { operationName?: string | null; contextValue: GatewayContext }, kind: string) =>
    logger.debug({ operationName: args.operationName ?? null, owner: args.contextValue.owner, kind }, 'graphql operation');
  return {
    onExecute: ({ args }) => log(args as never, 'execute'),
    onSubscribe: ({ args }) => log(args as never, 'subscribe'),
  };
}
