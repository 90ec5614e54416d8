import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkInProgress } from '../../ports/animation-store.js';
import type { Telemetry, UpstreamCall } from '../../ports/telemetry.js';
import { ANIMATION_STATUSES, type AnimationStatus } from '../../domain/animation.js';

/** What the gauges read at each scrape. */
export interface MetricSources {
  animationsByStatus: () => Promise<Partial<Record<AnimationStatus, number>>>;
  workInProgress: () => Promise<WorkInProgress>;
  /** How many log lines were dropped so far because stdout was not taking them. @default none */
  logLinesDropped?: () => number;
}

/** Prometheus metrics of one gateway (its own registry, so several can live in one process). */
export class PrometheusMetrics implements Telemetry {
  readonly registry = new Registry();
  private readonly submits = new Counter({
    name: 'gateway_submits_total',
    help: 'createAnimation submits to fal, by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly upstreamCalls = new Counter({
    name: 'gateway_upstream_calls_total',
    help: 'HTTP calls to fal, by kind (submit, status, stream, result, cancel, storage) and outcome (HTTP status class, or error)',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });
  private readonly upstreamCallDurations = new Histogram({
    name: 'gateway_upstream_call_duration_seconds',
    help: 'HTTP calls to fal, from sending the request to its response headers (or to the error), by kind and outcome',
    labelNames: ['kind', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly subscriptions = new Gauge({
    name: 'gateway_subscriptions',
    help: 'live animationProgress subscriptions (WebSocket and SSE)',
    registers: [this.registry],
  });
  private readonly deliveries = new Histogram({
    name: 'gateway_event_delivery_seconds',
    help: 'time from a change being recorded to a subscriber being sent it',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly watchers = new Gauge({
    name: 'gateway_watchers',
    help: 'animations this process follows upstream',
    registers: [this.registry],
  });
  private readonly websockets = new Gauge({ name: 'gateway_websockets', help: 'open GraphQL WebSockets', registers: [this.registry] });
  private readonly takeovers = new Counter({
    name: 'gateway_lease_takeovers_total',
    help: 'animations taken over from a replica that stopped renewing its lease',
    registers: [this.registry],
  });

  constructor(sources: MetricSources) {
    const { animationsByStatus, logLinesDropped = () => 0 } = sources;
    collectDefaultMetrics({ register: this.registry });
    new Counter({
      name: 'gateway_log_lines_dropped_total',
      help: 'log lines dropped because stdout was not taking them (a stalled reader); the gateway never waits on its logs',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(logLinesDropped());
      },
    });
    new Gauge({
      name: 'gateway_animations',
      help: 'animations in the store, by status',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const counts = await animationsByStatus();
        for (const status of ANIMATION_STATUSES) this.set({ status }, counts[status] ?? 0);
      },
    });
    // One store statement serves the three gauges of a scrape: prom-client collects them all at once.
    const workInProgress = sharedWhilePending(sources.workInProgress);
    const gauges: [string, string, keyof WorkInProgress][] = [
      ['gateway_animations_held', 'animations held by the gateway for a slot at fal (FAL_CONCURRENCY)', 'held'],
      ['gateway_animations_at_fal', 'animations admitted to fal that fal has not reported finished', 'atFal'],
      [
        'gateway_result_copy_backlog',
        'animations whose result is ready at fal and whose video the gateway has not kept yet',
        'awaitingCopy',
      ],
    ];
    for (const [name, help, field] of gauges) {
      new Gauge({
        name,
        help: `${help}; in the whole store, so with PostgreSQL every replica reports the fleet's count`,
        registers: [this.registry],
        async collect() {
          this.set((await workInProgress())[field]);
        },
      });
    }
  }

  submitted(outcome: 'accepted' | 'refused' | 'unconfirmed'): void {
    this.submits.inc({ outcome });
  }

  feedOpened(): void {
    this.subscriptions.inc();
  }

  feedClosed(): void {
    this.subscriptions.dec();
  }

  delivered(latencyMs: number): void {
    this.deliveries.observe(latencyMs / 1000);
  }

  leaseTakenOver(): void {
    this.takeovers.inc();
  }

  watchStarted(): void {
    this.watchers.inc();
  }

  watchStopped(): void {
    this.watchers.dec();
  }

  socketOpened(): void {
    this.websockets.inc();
  }

  socketClosed(): void {
    this.websockets.dec();
  }

  upstreamCall({ kind, outcome, seconds }: UpstreamCall): void {
    this.upstreamCalls.inc({ kind, outcome });
    this.upstreamCallDurations.observe({ kind, outcome }, seconds);
  }
}

/** Calls `read` once for every caller that asks while a call is under way. */
function sharedWhilePending<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= read().finally(() => {
      pending = undefined;
    }));
}
