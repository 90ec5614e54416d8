/**
 * A gateway's embedded store (the SQLite database in its DATA_DIR), opened by the bench with the
 * gateway's own store code while that gateway is not running: seeded before it starts (R1), read
 * after it stopped (P2).
 */
import { randomUUID } from 'node:crypto';
import { openAnimationStore } from '../../src/adapters/store/open-store.js';
import type { AnimationStatus } from '../../src/domain/animation.js';
import type { NewAnimation } from '../../src/ports/animation-store.js';
import { createInput } from './documents.js';

const SECOND_MS = 1_000;

/** The index-th seeded animation, created one second after the one before (pages have a stable order). */
function seededAnimation(owner: string, index: number, firstAt: number): NewAnimation {
  const id = randomUUID();
  const createdAt = new Date(firstAt + index * SECOND_MS).toISOString();
  const completedAt = new Date(firstAt + index * SECOND_MS + 500).toISOString();
  const input = createInput(`a bench knight dancing, take ${index + 1}`) as { prompt: string; imageUrl: string; videoUrl: string };
  return {
    id,
    owner,
    requestId: randomUUID(),
    status: 'COMPLETED',
    queuePosition: null,
    progress: 1,
    upstreamError: null,
    prompt: input.prompt,
    negativePrompt: null,
    imageUrl: input.imageUrl,
    videoUrl: input.videoUrl,
    resolution: '480p',
    seed: null,
    numInferenceSteps: 30,
    cfgScale: 1.5,
    priority: 'NORMAL',
    startTimeout: null,
    video: {
      key: `${id}/result.mp4`,
      contentType: 'video/mp4',
      fileName: 'result.mp4',
      fileSize: 31_194,
      sha256: '0'.repeat(64),
      expiresAt: null,
    },
    upstreamVideo: null,
    admittedAt: createdAt,
    inferenceSeconds: 0.5,
    error: null,
    idempotencyKey: null,
    inputHash: `bench-seed-${index}`,
    webhookUrl: null,
    createdAt,
    completedAt,
  };
}

/**
 * Inserts `count` finished animations of `owner` (rows exactly as the gateway writes them). Each is
 * COMPLETED with a kept video that never expires, so the gateway at start watches none of them and
 * its retention sweep deletes none. Answers how many were written.
 */
export async function seedAnimations(dataDir: string, owner: string, count: number): Promise<number> {
  const store = await openAnimationStore({ kind: 'embedded', dataDir });
  const firstAt = Date.now() - count * SECOND_MS;
  let written = 0;
  try {
    for (let index = 0; index < count; index++) {
      const outcome = await store.insert(seededAnimation(owner, index, firstAt));
      if (outcome.kind === 'created') written++;
    }
  } finally {
    await store.close();
  }
  return written;
}

/** How many animations the store under dataDir holds in each status. */
export async function countAnimationsByStatus(dataDir: string): Promise<Partial<Record<AnimationStatus, number>>> {
  const store = await openAnimationStore({ kind: 'embedded', dataDir });
  try {
    return await store.countByStatus();
  } finally {
    await store.close();
  }
}
