import { randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { InProcessAnimationEvents } from './adapters/events/in-process-animation-events.js';
import { FalUpstream } from './adapters/fal/fal-upstream.js';
import { FalWebhooks } from './adapters/fal/fal-webhooks.js';
import { secretScrubber } from './adapters/fal/secret-scrubber.js';
import { PrometheusMetrics } from './adapters/metrics/prometheus-metrics.js';
import { openAnimationStore } from './adapters/store/open-store.js';
import { StandardWebhookSender } from './adapters/webhooks/webhook-sender.js';
import { AnimationRecorder } from './animations/animation-recorder.js';
import { AnimationService } from './animations/animation-service.js';
import { WebhookNotifier } from './animations/owner-webhooks/webhook-notifier.js';
import { UpstreamWatchers } from './animations/upstream/upstream-watchers.js';
import { WatchCoordinator } from './animations/upstream/watch-coordinator.js';
import type { FalSimulator } from '@uni-animate/fal-simulator';
import { Authenticator } from './auth/authenticator.js';
import type { Config } from './config.js';
import { FAL_WEBHOOK_PATH } from './http/fal-webhook-route.js';
import { createLogger, type Logger } from './logger.js';
import type { AnimationEvents } from './ports/animation-events.js';
import { animationGlobalId } from './resolvers/global-id.js';
import { createGatewayServer } from './server.js';

export interface Gateway {
  url: string;
  port: number;
  logger: Logger;
  /** The built-in simulator, when running in sandbox mode. */
  simulator: FalSimulator | undefined;
  /**
   * Graceful stop (SIGTERM): readiness false, requests in flight finish within the grace
   * period, WebSockets closed with 1001, watchers stopped and leases released, pools
   * closed. fal jobs are never cancelled: the next start (or another replica) resumes them.
   */
  stop(): Promise<void>;
}

export interface GatewayOverrides {
  /** Where log lines go; stdout by default. */
  logDestination?: DestinationStream;
}

/**
 * The composition root: opens the adapters the configuration asks for, builds the
 * application and the server on them, then starts everything.
 */
export async function startGateway(config: Config, overrides: GatewayOverrides = {}): Promise<Gateway> {
  const replica = randomUUID();
  const logger = createLogger(config.log.level, overrides.logDestination).child({ replica: replica.slice(0, 8) });
  // The simulator is loaded only in sandbox mode.
  const simulator = config.fal.sandbox ? await (await import('@uni-animate/fal-simulator')).startFalSimulator(config.sandbox) : undefined;
  const store = await openAnimationStore(config.store, (err) => logger.warn({ err }, 'database connection lost'));
  const events = await openEvents(config, logger);
  const metrics = new PrometheusMetrics(() => store.countByStatus());
  const falKey = simulator ? 'sandbox' : config.fal.key;
  const falWebhookUrl = config.server.publicUrl ? `${config.server.publicUrl}${FAL_WEBHOOK_PATH}` : undefined;

  const upstream = new FalUpstream({
    credentials: falKey,
    apiUrl: simulator?.url ?? config.fal.apiUrl,
    endpoint: config.fal.endpoint,
    callTimeoutMs: config.fal.callTimeoutMs,
    onCall: (kind, outcome) => metrics.upstreamCall(kind, outcome),
  });
  const { ownerWebhooks, watching, limits } = config;
  const notifier = ownerWebhooks.secret
    ? new WebhookNotifier({
        store,
        sender: new StandardWebhookSender({ secret: ownerWebhooks.secret, allowPrivate: ownerWebhooks.allowPrivate }),
        logger,
        publicId: (animation) => animationGlobalId(animation.id),
        timing: { maxAttempts: ownerWebhooks.maxAttempts, retryBaseMs: ownerWebhooks.retryBaseMs, maxRetryMs: ownerWebhooks.maxRetryMs },
      })
    : undefined;
  const recorder = new AnimationRecorder({ store, events, logger, onFinished: notifier && ((animation) => notifier.notify(animation)) });
  const watchers = new UpstreamWatchers({
    upstream,
    store,
    events,
    recorder,
    logger,
    telemetry: metrics,
    timing: {
      // With fal's webhooks on, a stream that ends early is only reconciled now and then.
      pollIntervalMs: falWebhookUrl ? watching.reconcileIntervalMs : watching.pollIntervalMs,
      maxBackoffMs: watching.maxBackoffMs,
      resultAttempts: watching.resultAttempts,
    },
  });
  const coordinator = new WatchCoordinator({
    store,
    watchers,
    leases: store.watchLeases(replica, watching.leaseTtlMs),
    logger,
    telemetry: metrics,
    renewEveryMs: watching.leaseRenewMs,
  });
  const animations = new AnimationService({
    store,
    events,
    upstream,
    recorder,
    watchers: coordinator,
    logger,
    telemetry: metrics,
    options: {
      submitTimeoutMs: config.fal.submitTimeoutMs,
      submitSweepMs: config.fal.submitSweepMs,
      maxPageSize: limits.maxPageSize,
      falWebhookUrl,
      maxActiveAnimations: limits.maxActiveAnimations,
      maxAnimationsPerHour: limits.maxAnimationsPerHour,
      maxImageBytes: limits.maxImageBytes,
      maxVideoBytes: limits.maxVideoBytes,
      allowPrivateWebhooks: ownerWebhooks.allowPrivate,
      webhooksEnabled: ownerWebhooks.secret !== undefined,
    },
  });
  const server = createGatewayServer({
    config,
    animations,
    authenticator: new Authenticator(config.auth),
    logger,
    metrics,
    falWebhooks: new FalWebhooks({ jwksUrl: simulator?.jwksUrl ?? config.fal.jwksUrl, scrub: secretScrubber(falKey) }),
    dependenciesReady: async () => (await store.ping()) && (await events.ping()),
  });

  await animations.start();
  coordinator.start();
  await notifier?.resume();
  const { url, port } = await server.listen();
  logger.info(
    { url: `${url}/graphql`, sandbox: Boolean(simulator), store: config.store.kind, redis: Boolean(config.redis) },
    simulator
      ? `Sandbox mode: fal is simulated at ${simulator.url}; GraphQL and GraphiQL at ${url}/graphql`
      : `Serving GraphQL at ${url}/graphql`,
  );

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    logger,
    simulator,
    stop() {
      stopping ??= (async () => {
        animations.stop();
        await server.stop(config.server.shutdownGraceMs);
        await coordinator.stop();
        await notifier?.stop();
        await events.close();
        await store.close();
        await simulator?.stop();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

/** The event bus: Redis when configured (its client is loaded only then: it costs start-up time), else in-process. */
async function openEvents(config: Config, logger: Logger): Promise<AnimationEvents> {
  if (!config.redis) return new InProcessAnimationEvents();
  const { RedisAnimationEvents } = await import('./adapters/events/redis-animation-events.js');
  return RedisAnimationEvents.connect({ ...config.redis, onError: (err) => logger.warn({ err }, 'redis trouble') });
}
