import { randomUUID } from 'node:crypto';
import type { Animation } from '../../src/domain/animation.js';
import type { NewAnimation } from '../../src/ports/animation-store.js';

/** A new animation row as the service would insert it (SUBMITTING), for store-level tests. */
export function newAnimationRecord(overrides: Partial<NewAnimation> = {}): NewAnimation {
  return {
    id: randomUUID(),
    owner: 'local',
    requestId: null,
    status: 'SUBMITTING',
    queuePosition: null,
    progress: null,
    upstreamError: null,
    prompt: 'dance',
    negativePrompt: null,
    imageUrl: 'https://example.com/i.png',
    videoUrl: 'https://example.com/v.mp4',
    resolution: '480p',
    seed: null,
    numInferenceSteps: 30,
    cfgScale: 1.5,
    priority: 'NORMAL',
    startTimeout: null,
    video: null,
    upstreamVideo: null,
    admittedAt: null,
    inferenceSeconds: null,
    error: null,
    idempotencyKey: null,
    inputHash: 'hash',
    webhookUrl: null,
    createdAt: new Date().toISOString(),
    completedAt: null,
    ...overrides,
  };
}

/** A recorded animation, for tests of pure logic. */
export function animationRecord(overrides: Partial<Animation> = {}): Animation {
  const record = newAnimationRecord({ createdAt: '2026-01-01T00:00:00.000Z', ...overrides });
  return { logCount: 0, version: 1, updatedAt: record.createdAt, ...record, ...overrides };
}
