import { randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { DestinationStream } from 'pino';
import { InProcessAnimationEvents } from './adapters/events/in-process-animation-events.js';
import { FalUpstream } from './adapters/fal/fal-upstream.js';
import { FalWebhooks } from './adapters/fal/fal-webhooks.js';
import { secretScrubber } from './adapters/fal/secret-scrubber.js';
import { openAnimationStore } from './adapters/store/open-store.js';
import { StandardWebhookSender } from './adapters/webhooks/webhook-sender.js';
import { AnimationService } from './animations/animation-service.js';
import { AnimationRecorder } from './animations/recorder.js';
import { UpstreamWatchers } from './animations/upstream-watchers.js';
import { WatchCoordinator } from './animations/watch-coordinator.js';
import { WebhookNotifier } from './animations/webhook-notifier.js';
import { Authenticator } from './auth/authenticator.js';
import type { Config } from './config.js';
import type { AnimationEvents } from './ports/animation-events.js';
import { FAL_WEBHOOK_PATH } from './http/fal-webhook-route.js';
import { createLogger, type Logger } from './logger.js';
import { GatewayMetrics } from './metrics.js';
import { startServer } from './server.js';
import type { FalSimulator } from '@uni-animate/fal-simulator';

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

/** The composition root: picks the adapters the configuration asks for and starts serving. */
export async function startGateway(config: Config, overrides: GatewayOverrides = {}): Promise<Gateway> {
  const replica = randomUUID();
  const logger = createLogger(config.logLevel, overrides.logDestination).child({ replica: replica.slice(0, 8) });
  // The simulator is loaded only in sandbox mode.
  const simulator = config.fal.sandbox
    ? await (await import('@uni-animate/fal-simulator')).startFalSimulator({ stepMs: 150, queueTickMs: 700, queueAhead: 3 })
    : undefined;
  const store = await openAnimationStore(config.store, (err) => logger.warn({ err }, 'database connection lost'));
  // Redis's client is loaded only when it is used: it costs start-up time.
  const events: AnimationEvents = config.redis
    ? await (await import('./adapters/events/redis-animation-events.js')).RedisAnimationEvents.connect({
        ...config.redis,
        onError: (err) => logger.warn({ err }, 'redis trouble'),
      })
    : new InProcessAnimationEvents();
  let watchedCount = () => 0;
  let openSockets = () => 0;
  const metrics = new GatewayMetrics({
    animationsByStatus: () => store.countByStatus(),
    watchers: () => watchedCount(),
    websockets: () => openSockets(),
  });
  const falKey = simulator ? 'sandbox' : config.fal.key;
  const upstream = new FalUpstream({
    credentials: falKey,
    apiUrl: simulator?.url ?? config.fal.apiUrl,
    endpoint: config.fal.endpoint,
    callTimeoutMs: config.upstreamTimeoutMs,
    onCall: (kind, outcome) => metrics.upstreamCall(kind, outcome),
  });
  const falWebhookUrl = config.publicUrl ? `${config.publicUrl}${FAL_WEBHOOK_PATH}` : undefined;
  const recorder = new AnimationRecorder(store, events, logger);
  let coordinator: WatchCoordinator | undefined;
  const watchers = new UpstreamWatchers({
    upstream,
    store,
    events,
    recorder,
    logger,
    timing: {
      // With fal's webhooks on, a stream that ends early is only reconciled now and then.
      pollIntervalMs: falWebhookUrl ? config.reconcileIntervalMs : config.pollIntervalMs,
      maxBackoffMs: config.maxBackoffMs,
      resultAttempts: 8,
    },
    onStopped: (animationId) => coordinator?.released(animationId),
  });
  watchedCount = () => watchers.count;
  coordinator = new WatchCoordinator({
    store,
    watchers,
    leases: store.watchLeases(replica, config.leaseTtlMs),
    logger,
    telemetry: metrics,
    renewEveryMs: config.leaseRenewMs,
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
      submitTimeoutMs: config.submitTimeoutMs,
      maxPageSize: 100,
      falWebhookUrl,
      maxActiveAnimations: config.limits.maxActiveAnimations,
      maxAnimationsPerHour: config.limits.maxAnimationsPerHour,
      maxImageBytes: config.limits.maxImageBytes,
      maxVideoBytes: config.limits.maxVideoBytes,
      allowPrivateWebhooks: config.allowPrivateWebhooks,
      webhooksEnabled: config.webhookSecret !== undefined,
    },
  });
  const notifier = config.webhookSecret
    ? new WebhookNotifier({
        store,
        sender: new StandardWebhookSender({ secret: config.webhookSecret, allowPrivate: config.allowPrivateWebhooks }),
        logger,
        publicId: (animation) => encodeGlobalID('Animation', animation.id),
        timing: { maxAttempts: config.webhookMaxAttempts, retryBaseMs: config.webhookRetryBaseMs, maxRetryMs: 300_000 },
      })
    : undefined;
  if (notifier) recorder.onFinished((animation) => notifier.notify(animation));
  await animations.resume();
  coordinator.start();
  await notifier?.resume();
  const sweep = setInterval(() => {
    animations.failUnconfirmedSubmissions().catch((err: unknown) => logger.error({ err }, 'submit sweep failed'));
  }, Math.max(1_000, Math.floor(config.submitTimeoutMs / 2)));
  sweep.unref();

  const server = await startServer({
    config,
    animations,
    authenticator: new Authenticator(config.auth),
    logger,
    metrics,
    falWebhooks: new FalWebhooks({ jwksUrl: simulator?.jwksUrl ?? config.falJwksUrl, scrub: secretScrubber(falKey) }),
    dependenciesReady: async () => (await store.ping()) && (await events.ping()),
  });
  openSockets = () => server.sockets;
  logger.info(
    { url: `${server.url}/graphql`, sandbox: Boolean(simulator), store: config.store.kind, redis: Boolean(config.redis) },
    simulator
      ? `Sandbox mode: fal is simulated at ${simulator.url}; GraphQL and GraphiQL at ${server.url}/graphql`
      : `Serving GraphQL at ${server.url}/graphql`,
  );

  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    logger,
    simulator,
    stop() {
      stopping ??= (async () => {
        clearInterval(sweep);
        await server.stop(config.shutdownGraceMs);
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
