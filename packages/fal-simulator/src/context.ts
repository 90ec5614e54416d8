import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallRecorder } from './calls.js';
import type { FaultDice } from './faults.js';
import type { JobQueue } from './jobs.js';
import type { WebhookSigner } from './signing.js';
import type { FileStore } from './storage.js';
import type { CallKind, PlanFn, SimulatorFaults } from './types.js';

/** Everything a route handler needs; one per running simulator. */
export interface SimulatorContext {
  readonly base: string;
  readonly endpoint: string;
  readonly stepMs: number;
  readonly logMode: 'delta' | 'cumulative';
  readonly keepAliveMs: number;
  readonly queue: JobQueue;
  readonly files: FileStore;
  readonly calls: CallRecorder;
  readonly faults: SimulatorFaults;
  readonly dice: FaultDice;
  readonly resultClip: Buffer;
  readonly signer: WebhookSigner;
  /** Announces a change for waitFor (one not made through the queue, the file store or the call recorder). */
  readonly notify: () => void;
  planFn: PlanFn | undefined;
}

export interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: Buffer;
}

export interface Route {
  methods: readonly string[];
  /** Counted in SimulatorCalls when set. */
  call?: { kind: CallKind; requestId?: string };
  /** Queue calls are subject to faults.latencyMs. */
  queueCall: boolean;
  handle(request: RouteRequest): void;
}
