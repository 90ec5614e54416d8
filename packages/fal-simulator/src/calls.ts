import type { IncomingHttpHeaders } from 'node:http';
import type { CallKind, RecordedRequest, RequestCallCounts, SimulatorCalls } from './types.js';

const MAX_RECORDED_REQUESTS = 10_000;
const MAX_RECORDED_BODY_BYTES = 64 * 1024;

type Totals = Record<CallKind, number>;

function zeroTotals(): Totals {
  return { submit: 0, storageInitiate: 0, storagePut: 0, ...zeroRequestCounts() };
}

function zeroRequestCounts(): RequestCallCounts {
  return { status: 0, stream: 0, result: 0, cancel: 0, resultFile: 0 };
}

/**
 * Counts what the gateway asked of the upstream. The request log is bounded so that a sandbox
 * running for days does not grow without limit.
 */
export class CallRecorder implements SimulatorCalls {
  private totals = zeroTotals();
  private perRequest = new Map<string, RequestCallCounts>();
  private recorded: RecordedRequest[] = [];

  constructor(private readonly onChange: () => void) {}

  get submit(): number {
    return this.totals.submit;
  }
  get status(): number {
    return this.totals.status;
  }
  get stream(): number {
    return this.totals.stream;
  }
  get result(): number {
    return this.totals.result;
  }
  get cancel(): number {
    return this.totals.cancel;
  }
  get resultFile(): number {
    return this.totals.resultFile;
  }
  get storageInitiate(): number {
    return this.totals.storageInitiate;
  }
  get storagePut(): number {
    return this.totals.storagePut;
  }
  get requests(): readonly RecordedRequest[] {
    return this.recorded;
  }

  byRequest(requestId: string): RequestCallCounts {
    return { ...(this.perRequest.get(requestId) ?? zeroRequestCounts()) };
  }

  reset(): void {
    this.totals = zeroTotals();
    this.perRequest = new Map();
    this.recorded = [];
    this.onChange();
  }

  count(kind: CallKind, requestId?: string): void {
    this.totals[kind] += 1;
    if (requestId !== undefined && isPerRequest(kind)) {
      const counts = this.perRequest.get(requestId) ?? zeroRequestCounts();
      counts[kind] += 1;
      this.perRequest.set(requestId, counts);
    }
    this.onChange();
  }

  record(method: string, url: URL, headers: IncomingHttpHeaders, body: Buffer): void {
    this.recorded.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: flattenHeaders(headers),
      body: body.subarray(0, MAX_RECORDED_BODY_BYTES).toString('utf8'),
      bodyBytes: body.length,
      at: Date.now(),
    });
    if (this.recorded.length > MAX_RECORDED_REQUESTS) this.recorded.shift();
    this.onChange();
  }
}

function isPerRequest(kind: CallKind): kind is keyof RequestCallCounts {
  return kind === 'status' || kind === 'stream' || kind === 'result' || kind === 'cancel' || kind === 'resultFile';
}

export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
