import { randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { InProcessAnimationEvents } from './adapters/events/in-process-animation-events.js';
import { FalUpstream } from './adapters/fal/fal-upstream.js';
import { FalWebhooks } from './adapters/fal/fal-webhooks.js';
import { nodeHttpFetch } from './adapters/fal/node-http-fetch.js';
import { secretScrubber } from './adapters/fal/secret-scrubber.js';
import { PrometheusMetrics } from './adapters/metrics/prometheus-metrics.js';
import { openAnimationStore } from './adapters/store/open-store.js';
import { StandardWebhookSender } from './adapters/webhooks/webhook-sender.js';
import { AnimationRecorder } from './animations/animation-recorder.js';
import { AnimationService } from './animations/animation-service.js';
import { MediaLinks } from './animations/custody/media-links.js';
import { RetentionSweep } from './animations/custody/retention-sweep.js';
import { VideoCustody } from './animations/custody/video-custody.js';
import { FileMediaStore } from './adapters/media/file-media-store.js';
import { keptSigningSecret } from './adapters/media/signing-secret.js';
import { WebhookNotifier } from './animations/owner-webhooks/webhook-notifier.js';
import { UpstreamWatchers } from './animations/upstream/upstream-watchers.js';
import { WatchCoordinator } from './animations/upstream/watch-coordinator.js';
import { failJobsTheSandboxLost } from './animations/upstream/upstream-gone.js';
import { FalReachability } from './animations/health/fal-reachability.js';
import { Readiness } from './animations/health/readiness.js';
import type { FalSimulator } from '@uni-animate/fal-simulator';
import { Authenticator } from './auth/authenticator.js';
import type { Config } from './config.js';
import { FAL_WEBHOOK_PATH } from './http/fal-webhook-route.js';
import { createLogger, logFormatFor, StdoutLog, type Logger } from './logger.js';
import type { AnimationEvents } from './ports/animation-events.js';
import type { MediaStore } from './ports/media-store.js';
import { animationGlobalId } from './resolvers/global-id.js';
import { createGatewayServer } from './server.js';
import type { Tracing } from './telemetry/tracing.js';

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
  const stdout = overrides.logDestination ? undefined : new StdoutLog(logFormatFor(config.log.format, config.server.production));
  const logger = createLogger(config.log.level, overrides.logDestination ?? stdout).child({ replica: replica.slice(0, 8) });
  // The simulator is loaded only in sandbox mode.
  const simulator = config.fal.sandbox ? await (await import('@uni-animate/fal-simulator')).startFalSimulator(config.sandbox) : undefined;
  const tracing = await startTracing(config);
  const openedStore = await openAnimationStore(config.store, (err) => logger.warn({ err }, 'database connection lost'));
  const store = tracing ? tracing.store(openedStore) : openedStore;
  const events = await openEvents(config, logger);
  const media = await openMediaStore(config);
  if (config.store.kind === 'postgres' && (config.media.store.kind === 'files' || !config.media.signingSecret)) {
    // A database shared by replicas hints at several of them: each must serve every video and accept every URL.
    logger.warn('with several replicas, set MEDIA_S3_BUCKET (or share DATA_DIR) and the same MEDIA_SIGNING_SECRET on each');
  }
  const metrics = new PrometheusMetrics({
    animationsByStatus: () => store.countByStatus(),
    workInProgress: () => store.workInProgress(),
    logLinesDropped: () => stdout?.dropped ?? 0,
  });
  const falReachability = new FalReachability();
  const falKey = simulator ? 'sandbox' : config.fal.key;
  const falWebhookUrl = config.server.publicUrl ? `${config.server.publicUrl}${FAL_WEBHOOK_PATH}` : undefined;

  const falUpstream = new FalUpstream({
    credentials: falKey,
    apiUrl: simulator?.url ?? config.fal.apiUrl,
    endpoint: config.fal.endpoint,
    fetch: tracing?.fetch(nodeHttpFetch()),
    callTimeoutMs: config.fal.callTimeoutMs,
    onCall: (call) => {
      metrics.upstreamCall(call);
      falReachability.callEnded(call.outcome);
    },
    objectTtlSeconds: config.fal.objectTtlSeconds,
  });
  const upstream = tracing ? tracing.upstream(falUpstream) : falUpstream;
  const { ownerWebhooks, watching, limits } = config;
  const links = new MediaLinks({
    secret: config.media.signingSecret ?? (await keptSigningSecret(config.media.signingSecretFile)),
    ttlSeconds: config.media.urlTtlSeconds,
    publicUrl: config.server.publicUrl,
  });
  const sender =
    ownerWebhooks.secret && new StandardWebhookSender({ secret: ownerWebhooks.secret, allowPrivate: ownerWebhooks.allowPrivate });
  const notifier = sender
    ? new WebhookNotifier({
        store,
        sender: tracing ? tracing.webhookSender(sender) : sender,
        logger,
        publicId: (animation) => animationGlobalId(animation.id),
        publicVideo: (animation) => links.videoOf(animation),
        timing: { maxAttempts: ownerWebhooks.maxAttempts, retryBaseMs: ownerWebhooks.retryBaseMs, maxRetryMs: ownerWebhooks.maxRetryMs },
      })
    : undefined;
  const recorder = new AnimationRecorder({ store, events, logger, onFinished: notifier && ((animation) => notifier.notify(animation)) });
  const custodyDeps = {
    media,
    store,
    recorder,
    logger,
    options: {
      attempts: config.media.copyAttempts,
      retryBaseMs: watching.pollIntervalMs,
      maxBackoffMs: watching.maxBackoffMs,
      maxBytes: config.media.maxResultBytes,
      retentionDays: config.media.retentionDays,
    },
  };
  const custody = tracing ? tracing.custody(custodyDeps) : new VideoCustody(custodyDeps);
  const retention =
    config.media.retentionDays === undefined
      ? undefined
      : new RetentionSweep({ store, custody, logger, everyMs: config.media.retentionSweepMs });
  const watchers = new UpstreamWatchers({
    upstream,
    store,
    events,
    recorder,
    custody,
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
    custody,
    links,
    watchers: tracing ? tracing.watchers(coordinator) : coordinator,
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
      falConcurrency: config.fal.concurrency,
      admissionTickMs: config.fal.admissionTickMs,
      maxInferenceSecondsPerDay: limits.maxInferenceSecondsPerDay,
    },
  });
  const server = createGatewayServer({
    config,
    animations,
    authenticator: new Authenticator(config.auth),
    logger,
    metrics,
    media,
    links,
    falWebhooks: new FalWebhooks({
      jwksUrl: simulator?.jwksUrl ?? config.fal.jwksUrl,
      scrub: secretScrubber(falKey),
      userId: simulator?.webhookUserId ?? config.fal.webhookUserId,
    }),
    readiness: new Readiness({
      store: () => store.ping(),
      redis: config.redis && (() => events.ping()),
      mediaStore: (signal) => media.ping(signal),
      fal: () => falReachability.state,
    }),
    graphqlPlugins: tracing?.graphqlPlugins,
  });

  // The simulator has just started empty: what a previous run sent to its own would never finish.
  // (Only with the embedded store: a shared database may hold other replicas' live jobs.)
  if (simulator && config.store.kind === 'embedded') await failJobsTheSandboxLost({ store, recorder, logger });
  // Listening first: the server's URL is in the video URLs that watchers and webhooks hand out.
  const { url, port } = await server.listen();
  await animations.start();
  coordinator.start();
  retention?.start();
  await notifier?.resume();
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
        retention?.stop();
        await server.stop(config.server.shutdownGraceMs);
        await coordinator.stop();
        await notifier?.stop();
        await events.close();
        media.close();
        await store.close();
        await simulator?.stop();
        await tracing?.shutdown();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

/** Tracing, when a collector is configured (the OpenTelemetry SDK is loaded only then: it costs start-up time and memory). */
async function startTracing(config: Config): Promise<Tracing | undefined> {
  if (!config.tracing.enabled) return undefined;
  return (await import('./telemetry/tracing.js')).startTracing({ sensitiveAttributes: config.tracing.sensitiveAttributes });
}

/** Where results are kept: S3 when a bucket is configured (the AWS SDK is loaded only then), else files under DATA_DIR/media. */
async function openMediaStore(config: Config): Promise<MediaStore> {
  const location = config.media.store;
  if (location.kind === 'files') return new FileMediaStore(location.dir);
  const { S3MediaStore } = await import('./adapters/media/s3-media-store.js');
  return new S3MediaStore(location);
}

/** The event bus: Redis when configured (its client is loaded only then: it costs start-up time), else in-process. */
async function openEvents(config: Config, logger: Logger): Promise<AnimationEvents> {
  if (!config.redis) return new InProcessAnimationEvents();
  const { RedisAnimationEvents } = await import('./adapters/events/redis-animation-events.js');
  return RedisAnimationEvents.connect({ ...config.redis, onError: (err) => logger.warn({ err }, 'redis trouble') });
}
