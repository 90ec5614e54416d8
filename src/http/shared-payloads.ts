import type { ExecutionResult, FormattedExecutionResult } from 'graphql';

const PLACEHOLDER = 'uni-animate:serialised-payload';
const PLACEHOLDER_SUFFIX = `${JSON.stringify(PLACEHOLDER)}}`;

/**
 * Serialises each result once, however many sockets it is sent to. graphql-ws makes each
 * socket's `next` message with JSON.stringify, payload included; here the payload stands
 * for JSON made once per result object, and is written as a placeholder that the socket
 * replaces as it writes the frame (see graphql-socket.ts). Shared subscription execution
 * hands the same result object to every subscriber of a group, so they all get the same
 * bytes.
 */
export class SharedPayloads {
  private readonly serialised = new WeakMap<ExecutionResult, SerialisedPayload>();
  /** The payload JSON of the message being serialised right now, until its frame is written. */
  private pending: string | undefined;

  /** For graphql-ws's `onNext`: what to send instead of `result`. */
  readonly payloadOf = (result: ExecutionResult): FormattedExecutionResult => {
    let payload = this.serialised.get(result);
    if (!payload) this.serialised.set(result, (payload = new SerialisedPayload(JSON.stringify(result), this)));
    return payload as FormattedExecutionResult;
  };

  /** Keeps `json` for the frame being made; returns what the message says in its place. */
  hold(json: string): string {
    this.pending = json;
    return PLACEHOLDER;
  }

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

/** A result's JSON, made once; JSON.stringify of a message that carries it writes the placeholder. */
class SerialisedPayload {
  constructor(
    private readonly json: string,
    private readonly payloads: SharedPayloads,
  ) {}

  toJSON(): string {
    return this.payloads.hold(this.json);
  }
}
