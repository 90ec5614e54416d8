import type { DestinationStream } from 'pino';
import { AnimationService } from './animations/animation-service.js';
import { Authenticator } from './auth/authenticator.js';
import { AnimationRecorder } from './animations/recorder.js';
import { UpstreamWatchers } from './animations/upstream-watchers.js';
import { InProcessAnimationEvents } from './adapters/events/in-process-animation-events.js';
import { FalUpstream } from './adapters/fal/fal-upstream.js';
import { FalWebhooks } from './adapters/fal/fal-webhooks.js';
import { secretScrubber } from './adapters/fal/secret-scrubber.js';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { StandardWebhookSender } from './adapters/webhooks/webhook-sender.js';
import { WebhookNotifier } from './animations/webhook-notifier.js';
import { FAL_WEBHOOK_PATH } from './http/fal-webhook-route.js';
import { openAnimationStore } from './adapters/store/open-store.js';
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { startServer } from './server.js';
import { startFalSimulator, type FalSimulator } from './simulator/index.js';

export interface Gateway {
  url: string;
  port: number;
  logger: Logger;
  /** The built-in simulator, when running in sandbox mode. */
  simulator: FalSimulator | undefined;
  stop(): Promise<void>;
}

export interface GatewayOverrides {
  /** Where log lines go; stdout by default. */
  logDestination?: DestinationStream;
}

/** The composition root: picks the adapters the configuration asks for and starts serving. */
export async function startGateway(config: Config, overrides: GatewayOverrides = {}): Promise<Gateway> {
  const logger = createLogger(config.logLevel, overrides.logDestination);
  const simulator = config.fal.sandbox ? await startFalSimulator({ stepMs: 150, queueTickMs: 700, queueAhead: 3 }) : undefined;
  const store = await openAnimationStore(config.store, (err) => logger.warn({ err }, 'database connection lost'));
  const events = new InProcessAnimationEvents();
  const falKey = simulator ? 'sandbox' : config.fal.key;
  const upstream = new FalUpstream({
    credentials: falKey,
    apiUrl: simulator?.url ?? config.fal.apiUrl,
    endpoint: config.fal.endpoint,
    callTimeoutMs: config.upstreamTimeoutMs,
  });
  const falWebhookUrl = config.publicUrl ? `${config.publicUrl}${FAL_WEBHOOK_PATH}` : undefined;
  const recorder = new AnimationRecorder(store, events, logger);
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
  });
  const animations = new AnimationService({
    store,
    events,
    upstream,
    recorder,
    watchers,
    logger,
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
  await notifier?.resume();
  const sweep = setInterval(() => {
    animations.failUnconfirmedSubmissions().catch((err: unknown) => logger.error({ err }, 'submit sweep failed'));
  }, Math.max(1_000, Math.floor(config.submitTimeoutMs / 2)));
  sweep.unref();

  const server = await startServer({
    config,
    animations,
    authenticator: new Authenticator(config.auth),
    falWebhooks: new FalWebhooks({
      jwksUrl: simulator?.jwksUrl ?? config.falJwksUrl,
      scrub: secretScrubber(falKey),
    }),
    logger,
    isReady: () => store.ping(),
  });
  logger.info(
    { url: `${server.url}/graphql`, sandbox: Boolean(simulator), store: config.store.kind },
    simulator
      ? `Sandbox mode: fal is simulated at ${simulator.url}; GraphQL and GraphiQL at ${server.url}/graphql`
      : `Serving GraphQL at ${server.url}/graphql`,
  );

  return {
    url: server.url,
    port: server.port,
    logger,
    simulator,
    async stop() {
      clearInterval(sweep);
      await server.stop();
      await watchers.stopAll();
      await notifier?.stop();
      await events.close();
      await store.close();
      await simulator?.stop();
    },
  };
}
