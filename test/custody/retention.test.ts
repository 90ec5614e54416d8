import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InProcessAnimationEvents } from '../../src/adapters/events/in-process-animation-events.js';
import { FileMediaStore } from '../../src/adapters/media/file-media-store.js';
import { openAnimationStore } from '../../src/adapters/store/open-store.js';
import { AnimationRecorder } from '../../src/animations/animation-recorder.js';
import { RetentionSweep } from '../../src/animations/custody/retention-sweep.js';
import { VideoCustody } from '../../src/animations/custody/video-custody.js';
import { createLogger } from '../../src/logger.js';
import { AnimationDocument, AnimationProgressDocument, CreateAnimationDocument } from '../gql/graphql.js';
import { dataOf, graphqlHttp, subscribeWs, wsClient } from '../support/graphql-clients.js';
import { startSimulator, startTestGateway } from '../support/harness.js';
import { input } from '../support/inputs.js';
import { download, embeddedMedia } from '../support/media.js';

const DAY_MS = 86_400_000;

describe('MEDIA_RETENTION_DAYS', () => {
  it('says when a kept video expires, and the sweep then removes its files and records, and nothing sooner', async () => {
    const simulator = await startSimulator();
    const media = await embeddedMedia();
    const gateway = await startTestGateway(simulator, { ...media.env, MEDIA_RETENTION_DAYS: '2' });
    const created = dataOf(await graphqlHttp(gateway.url, CreateAnimationDocument, { input: input() })).createAnimation;
    await subscribeWs(wsClient(gateway.url), AnimationProgressDocument, { id: created.id }).untilComplete();
    const animation = dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.id })).animation!;
    const keptFor = Date.parse(animation.video!.expiresAt!) - Date.parse(animation.completedAt!);
    expect(Math.abs(keptFor - 2 * DAY_MS)).toBeLessThan(5_000);
    expect(await media.objects()).toHaveLength(1);

    // The sweep as the gateway runs it, on the same database and files, with its clock moved on.
    const dataDir = media.env.DATA_DIR!;
    const store = await openAnimationStore({ kind: 'embedded', dataDir });
    const logger = createLogger('silent');
    const recorder = new AnimationRecorder({ store, events: new InProcessAnimationEvents(), logger });
    const custody = new VideoCustody({
      media: new FileMediaStore(join(dataDir, 'media')),
      store,
      recorder,
      logger,
      options: { attempts: 1, retryBaseMs: 1, maxBackoffMs: 1, maxBytes: 1, retentionDays: 2 },
    });
    const sweepAt = (offsetMs: number) =>
      new RetentionSweep({ store, custody, logger, everyMs: DAY_MS, now: () => new Date(Date.now() + offsetMs) }).sweep();
    try {
      expect(await sweepAt(DAY_MS)).toBe(0);
      expect((await download(animation.video!.url)).status).toBe(200);
      expect(await sweepAt(3 * DAY_MS)).toBe(1);
    } finally {
      await store.close();
    }
    expect(dataOf(await graphqlHttp(gateway.url, AnimationDocument, { id: created.id })).animation).toBeNull();
    expect((await download(animation.video!.url)).status).toBe(404);
    expect(await media.objects()).toEqual([]);
  });
});
