import { createServer } from 'node:http';
import { within } from './eventually.js';
import { listenOnLoopback } from './loopback-server.js';

/** One span as an OTLP/HTTP JSON exporter sent it, decoded. */
export interface ExportedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  attributes: Record<string, string | number | boolean>;
  links: { traceId: string; spanId: string }[];
  /** The `service.name` of the resource that sent it. */
  serviceName: string | undefined;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        attributes?: OtlpAttribute[];
        links?: { traceId: string; spanId: string }[];
      }[];
    }[];
  }[];
}

/**
 * A trace collector on loopback: accepts what an OTLP/HTTP exporter POSTs to /v1/traces
 * in JSON, keeps every body as sent, and decodes its spans. Closed when the test ends.
 */
export class OtlpReceiver {
  /** Every request body, as received. */
  readonly bodies: string[] = [];
  readonly spans: ExportedSpan[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(readonly url: string) {}

  static async start(): Promise<OtlpReceiver> {
    let receiver: OtlpReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces' || !(req.headers['content-type'] ?? '').startsWith('application/json')) {
          res.writeHead(404).end();
          return;
        }
        receiver!.accept(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    receiver = new OtlpReceiver(await listenOnLoopback(server));
    return receiver;
  }

  /** Resolves once the spans received so far satisfy `predicate`; rejects after `timeoutMs` naming `what`. */
  until(predicate: (spans: readonly ExportedSpan[]) => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    let check: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => {
      check = () => {
        if (!predicate(this.spans)) return;
        this.waiters.delete(check);
        resolve();
      };
    });
    this.waiters.add(check);
    check();
    return within(reached, timeoutMs, () => `${what} (spans received: ${this.spans.map((span) => span.name).join(', ')})`).finally(() =>
      this.waiters.delete(check),
    );
  }

  private accept(body: string): void {
    this.bodies.push(body);
    for (const resourceSpans of (JSON.parse(body) as OtlpRequest).resourceSpans ?? []) {
      const serviceName = attributesOf(resourceSpans.resource?.attributes)['service.name'];
      for (const span of (resourceSpans.scopeSpans ?? []).flatMap((scope) => scope.spans ?? [])) {
        this.spans.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? '',
          name: span.name,
          attributes: attributesOf(span.attributes),
          links: (span.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
          serviceName: typeof serviceName === 'string' ? serviceName : undefined,
        });
      }
    }
    for (const check of [...this.waiters]) check();
  }
}

function attributesOf(attributes: OtlpAttribute[] = []): Record<string, string | number | boolean> {
  return Object.fromEntries(attributes.map(({ key, value }) => [key, valueOf(value)]));
}

function valueOf(value: OtlpValue): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  return JSON.stringify(value);
}
