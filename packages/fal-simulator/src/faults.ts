import type { SimulatorFaults } from './types.js';

export function createFaults(): SimulatorFaults {
  return {
    submit: [],
    rate: {},
    latencyMs: 0,
    streamEndsEarly: false,
    cancel: undefined,
    webhooks: true,
    webhookDuplicates: 0,
    resultFile: undefined,
  };
}

export type StreamFault = 'none' | 'unavailable' | 'drop';

/** Seeded PRNG (mulberry32) so a fault sequence replays identically for a given seed. */
export class FaultDice {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** True with probability `rate`; draws nothing when the rate is off, keeping other sequences stable. */
  hits(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.next() < rate;
  }

  streamFault(rate: number | undefined): StreamFault {
    if (rate === undefined || rate <= 0) return 'none';
    const roll = this.next();
    if (roll >= rate) return 'none';
    return roll < rate / 2 ? 'unavailable' : 'drop';
  }

  private next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

export interface FalErrorBody {
  detail: string;
  error_type?: string;
}

const ERROR_BODIES: Record<number, FalErrorBody> = {
  400: { detail: 'Bad request', error_type: 'bad_request' },
  401: { detail: 'Invalid key' },
  403: { detail: 'Access denied' },
  429: { detail: 'Too many requests', error_type: 'rate_limited' },
  500: { detail: 'Internal server error', error_type: 'internal_error' },
  502: { detail: 'Runner returned an incomplete response', error_type: 'runner_incomplete_response' },
  503: { detail: 'No runner available', error_type: 'runner_scheduling_failure' },
  504: { detail: 'Request timed out', error_type: 'request_timeout' },
};

/** A fal-shaped infrastructure error body (protocol reference 10.2) for a simulated failure. */
export function falErrorBody(status: number): FalErrorBody {
  return ERROR_BODIES[status] ?? { detail: `Simulated failure (HTTP ${status})`, error_type: 'internal_error' };
}
