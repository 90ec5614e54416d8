import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * A subscription's source event that every subscriber at the same point receives alike
 * carries a `shareKey`, unique to that event; executing one document on it gives the same
 * result for every subscriber of a group.
 */
interface ShareableEvent {
  shareKey: string;
}

/** Subscriptions with the same document, operation name, variables and scope. */
interface Group {
  readonly key: string;
  readonly siblings: Map<string, Group>;
  members: number;
  /** The latest events' results, by share key, oldest first, as the step every member yields. */
  readonly steps: Map<string, SharedStep>;
}

/** A shared event's step: the execution under way, then its outcome, handed out without waiting. */
interface SharedStep {
  pending: Promise<IteratorResult<ExecutionResult>>;
  settled?: IteratorResult<ExecutionResult>;
}

const KEPT_RESULTS = 8;

/**
 * Executes the events of identical subscriptions once: for a source event with a
 * `shareKey`, the first subscriber of a group executes the document and every other one
 * gets the same result object (so a transport can serialise it once, too); other events
 * are executed per subscriber, as graphql-js does. `scopeOf` names what, besides the
 * document and variables, a result depends on (the caller). It stands in for graphql's
 * subscribe inside the enveloped pipeline, so every plugin's hooks still run for each
 * subscription on every transport.
 */
export function useSharedSubscriptionExecution<Context extends object>(scopeOf: (context: Context) => string): Plugin<Context> {
  // Yoga's parse cache hands the same DocumentNode to every request with the same query.
  const groups = new WeakMap<DocumentNode, Map<string, Group>>();

  const join = (args: ExecutionArgs): Group => {
    let siblings = groups.get(args.document);
    if (!siblings) groups.set(args.document, (siblings = new Map()));
    const key = JSON.stringify([scopeOf(args.contextValue as Context), args.operationName ?? null, args.variableValues ?? null]);
    let group = siblings.get(key);
    if (!group) siblings.set(key, (group = { key, siblings, members: 0, steps: new Map() }));
    group.members++;
    return group;
  };

  const subscribe = async (args: ExecutionArgs) => {
    const stream = await createSourceEventStream(args);
    return isAsyncIterable(stream) ? new ResultStream(stream[Symbol.asyncIterator](), args, join(args)) : stream;
  };

  return { onSubscribe: ({ setSubscribeFn }) => setSubscribeFn(subscribe) };
}

/**
 * One subscriber's results: each source event executed, or taken from its group when
 * shared. Thousands are open at once and each event passes through all of them, so it is
 * a small class that chains promises rather than closures and async functions.
 */
class ResultStream implements AsyncIterableIterator<ExecutionResult> {
  private left = false;

  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly args: ExecutionArgs,
    private readonly group: Group,
  ) {}

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.source.next().then(this.onStep, this.onFailure);
  }

  // Made once per stream rather than per event.
  private readonly onStep = (step: IteratorResult<unknown>) => this.resultOf(step);
  private readonly onFailure = (error: unknown): never => {
    this.leave();
    throw error;
  };

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.leave();
    await this.source.return?.();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private resultOf(step: IteratorResult<unknown>): IteratorResult<ExecutionResult> | Promise<IteratorResult<ExecutionResult>> {
    if (step.done) {
      this.leave();
      return DONE;
    }
    const event = step.value;
    if (!isShareable(event)) return this.execute(event);
    const { steps } = this.group;
    const known = steps.get(event.shareKey);
    if (known) return known.settled ?? known.pending;
    const shared: SharedStep = { pending: this.execute(event) };
    void shared.pending.then((step) => (shared.settled = step), NOTHING);
    steps.set(event.shareKey, shared);
    // Keys are added in event order: the oldest go first.
    for (const key of steps.keys()) {
      if (steps.size <= KEPT_RESULTS) break;
      steps.delete(key);
    }
    return shared.pending;
  }

  private async execute(event: unknown): Promise<IteratorResult<ExecutionResult>> {
    return { done: false, value: (await execute({ ...this.args, rootValue: event })) as ExecutionResult };
  }

  private leave(): void {
    if (this.left) return;
    this.left = true;
    if (--this.group.members === 0) this.group.siblings.delete(this.group.key);
  }
}

const DONE: IteratorResult<ExecutionResult> = { done: true, value: undefined };
const NOTHING = () => undefined;

function isShareable(event: unknown): event is ShareableEvent {
  return typeof event === 'object' && event !== null && typeof (event as Partial<ShareableEvent>).shareKey === 'string';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
