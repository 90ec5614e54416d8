import {
  execute,
  getOperationAST,
  Kind,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLError,
} from 'graphql';
import type { WebSocket } from 'ws';
import type { AnimationService } from '../animations/animation-service.js';
import { GatewayError } from '../domain/errors.js';
import type { ProgressEvent } from '../animations/live/progress-fanout.js';
import { animationIdFrom } from '../resolvers/global-id.js';

/** Where one fanned-out subscription goes: its socket and operation id, and what it follows. */
export interface FanoutTarget {
  socket: WebSocket;
  operationId: string;
  owner: string;
  animationId: string;
  args: ExecutionArgs;
}

/** Serialised payloads kept per (owner, animation, document, variables) group, for the latest events. */
interface Group {
  members: number;
  /** By share key; a string once ready, so later subscribers are served without waiting. */
  payloads: Map<string, string | Promise<string>>;
}

const KEPT_PAYLOADS = 8;

/**
 * The animation a subscription follows, when the whole operation is `animationProgress`
 * (the only field of a subscription); such subscriptions are fanned out.
 */
export function fanoutAnimationId(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): string | undefined {
  const operation = getOperationAST(document, operationName);
  const selections = operation?.operation === 'subscription' ? operation.selectionSet.selections : [];
  const field = selections.length === 1 && selections[0]!.kind === Kind.FIELD ? selections[0] : undefined;
  if (!field || field.name.value !== 'animationProgress' || (field.directives?.length ?? 0) > 0) return undefined;
  const id = field.arguments?.find((argument) => argument.name.value === 'id')?.value;
  const value = id?.kind === Kind.STRING ? id.value : id?.kind === Kind.VARIABLE ? variables?.[id.name.value] : undefined;
  return typeof value === 'string' ? animationIdFrom(value) : undefined;
}

/**
 * Fans subscription events out over WebSockets: each change is executed and serialised
 * once per group of subscribers with the same owner, animation, document and variables,
 * and the same payload is written to every socket (wrapped in each operation's `next`
 * message). Snapshots and catch-ups are executed per subscriber.
 */
export class SubscriptionFanout {
  private readonly groups = new Map<string, Group>();

  constructor(
    private readonly animations: AnimationService,
    private readonly maskError: (error: GraphQLError) => Error,
  ) {}

  /**
   * Starts feeding the target's socket; the returned iterator yields nothing and ends when
   * the animation is finished, so graphql-ws then sends `complete`. Resolves undefined when
   * the caller may not follow the animation (the regular path answers NOT_FOUND).
   */
  async subscribe(target: FanoutTarget): Promise<AsyncIterableIterator<never> | undefined> {
    const key = groupKey(target);
    const group = this.groups.get(key) ?? { members: 0, payloads: new Map() };
    let finished!: (result: IteratorResult<never>) => void;
    let failed!: (error: Error) => void;
    const done = new Promise<IteratorResult<never>>((resolve, reject) => {
      finished = resolve;
      failed = reject;
    });
    const prefix = `{"id":${JSON.stringify(target.operationId)},"type":"next","payload":`;
    let leave: () => void;
    try {
      leave = await this.animations.followWith(target.owner, target.animationId, {
        deliver: (event, shareKey) => {
          const send = (payload: string) => {
            if (target.socket.readyState === target.socket.OPEN) target.socket.send(prefix + payload + '}');
          };
          const payload = shareKey === undefined ? this.payload(target.args, event) : this.shared(group, shareKey, target.args, event);
          if (typeof payload === 'string') return send(payload);
          return payload.then(send);
        },
        complete: (error) => (error === undefined ? finished({ done: true, value: undefined }) : failed(new Error('Unexpected error.'))),
      });
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
    group.members++;
    this.groups.set(key, group);
    let left = false;
    const stop = () => {
      if (left) return;
      left = true;
      leave();
      if (--group.members === 0) this.groups.delete(key);
    };
    void done.then(stop, stop);
    const iterator: AsyncIterableIterator<never> = {
      next: () => done,
      return: async () => {
        stop();
        finished({ done: true, value: undefined });
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private shared(group: Group, shareKey: string, args: ExecutionArgs, event: ProgressEvent): string | Promise<string> {
    const cached = group.payloads.get(shareKey);
    if (cached !== undefined) return cached;
    const pending = this.payload(args, event).then((payload) => {
      if (group.payloads.has(shareKey)) group.payloads.set(shareKey, payload);
      return payload;
    });
    group.payloads.set(shareKey, pending);
    // Keys are added in event order: the oldest go first.
    for (const key of group.payloads.keys()) {
      if (group.payloads.size <= KEPT_PAYLOADS) break;
      group.payloads.delete(key);
    }
    return pending;
  }

  private async payload(args: ExecutionArgs, event: ProgressEvent): Promise<string> {
    const result = (await execute({ ...args, rootValue: event })) as ExecutionResult;
    return JSON.stringify(result.errors ? { ...result, errors: result.errors.map((error) => this.maskError(error)) } : result);
  }
}

function groupKey(target: FanoutTarget): string {
  return JSON.stringify([target.owner, target.animationId, target.args.operationName ?? null, target.args.variableValues ?? null]) + (target.args.document.loc?.source.body ?? '');
}
