import type { ExecutionResult, FormattedExecutionResult } from 'graphql';

/** Stands in for a `next` message's payload whose JSON is already made. */
class SerialisedPayload {
  constructor(readonly json: string) {}
}

const PLACEHOLDER = 'uni-animate:serialised-payload';
const PLACEHOLDER_SUFFIX = `${JSON.stringify(PLACEHOLDER)}}`;

/**
 * Serialises each result once, however many sockets it is sent to: graphql-ws would make
 * each socket's `next` message with JSON.stringify, payload included; here the payload is
 * a placeholder while graphql-ws serialises the message, and the result's JSON, made once
 * per result object, is put in its place as the frame is written (see graphql-socket.ts). Shared subscription
 * execution hands the same result object to every subscriber of a group, so they all get
 * the same bytes.
 */
export class SharedPayloads {
  private readonly json = new WeakMap<ExecutionResult, string>();
  /** The payload JSON of the message being serialised right now, until its frame is written. */
  private pending: string | undefined;

  /** For graphql-ws's `onNext`: what to send instead of `result`. */
  readonly payloadOf = (result: ExecutionResult): FormattedExecutionResult => {
    let json = this.json.get(result);
    if (json === undefined) this.json.set(result, (json = JSON.stringify(result)));
    return new SerialisedPayload(json) as FormattedExecutionResult;
  };

  /** For graphql-ws's `jsonMessageReplacer`. */
  readonly replacer = (_key: string, value: unknown): unknown => {
    if (!(value instanceof SerialisedPayload)) return value;
    this.pending = value.json;
    return PLACEHOLDER;
  };

  /**
   * A frame as written: a `next` message's placeholder replaced by its payload's JSON.
   * graphql-ws sends each message right after serialising it, in the same turn, so the
   * pending payload belongs to the message being sent when that message ends with the
   * placeholder (the payload is a `next` message's last property).
   */
  frame(data: string): string {
    const json = this.pending;
    this.pending = undefined;
    if (json === undefined || !data.endsWith(PLACEHOLDER_SUFFIX)) return data;
    return data.slice(0, data.length - PLACEHOLDER_SUFFIX.length) + json + '}';
  }
}
