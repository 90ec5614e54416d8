import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Animation } from '../../src/domain/animation.js';
import { applyChange, type Change } from '../../src/domain/state-machine.js';
import { openAnimationStore, type StoreLocation } from '../../src/adapters/store/open-store.js';
import { InvalidCursorError, type InsertOutcome, type NewAnimation } from '../../src/ports/animation-store.js';
import { temporaryDirectory } from '../support/harness.js';
import { freshPostgresDatabase } from '../support/postgres.js';
import { newAnimationRecord } from '../support/records.js';

const BACKENDS: [string, () => Promise<StoreLocation>][] = [
  ['embedded SQLite', async () => ({ kind: 'embedded', dataDir: temporaryDirectory() })],
  ['PostgreSQL', async () => ({ kind: 'postgres', url: await freshPostgresDatabase(), poolSize: 10 })],
];

let clock = Date.parse('2026-01-01T00:00:00.000Z');
const tick = () => new Date((clock += 1000)).toISOString();

function newAnimation(overrides: Partial<NewAnimation> = {}): NewAnimation {
  return newAnimationRecord({ owner: 'alice', seed: 3, createdAt: tick(), ...overrides });
}

function animationOf(outcome: InsertOutcome): Animation {
  if (outcome.kind === 'overQuota') throw new Error('unexpectedly over quota');
  return outcome.animation;
}

const decide = (change: Change) => (current: Animation) => applyChange(current, change, tick());
const line = (message: string) => ({ message, level: 'INFO', timestamp: tick() });

describe.each(BACKENDS)('SqlAnimationStore on %s', (_name, location) => {
  async function open(at?: StoreLocation) {
    const where = at ?? (await location());
    const store = await openAnimationStore(where);
    return { store, where };
  }

  it('records an animation and reads it back, with its first status in the history', async () => {
    const { store } = await open();
    const fresh = newAnimation({ negativePrompt: 'blurry' });
    const outcome = await store.insert(fresh);
    expect(outcome.kind).toBe('created');
    expect(await store.get(fresh.id)).toEqual({ ...fresh, version: 1, logCount: 0, updatedAt: fresh.createdAt });
    expect(outcome.kind === 'created' && outcome.animation.version).toBe(1);
    expect((await store.statusHistory(fresh.id)).map((h) => h.status)).toEqual(['SUBMITTING']);
    expect(await store.get(randomUUID())).toBeUndefined();
    await store.close();
  });

  it('keeps one animation per owner and idempotency key, even under 50 concurrent inserts', async () => {
    const { store } = await open();
    const results = await Promise.all(Array.from({ length: 50 }, () => store.insert(newAnimation({ idempotencyKey: 'same-key' }))));
    expect(results.filter((r) => r.kind === 'created')).toHaveLength(1);
    expect(new Set(results.map((r) => animationOf(r).id)).size).toBe(1);

    const other = await store.insert(newAnimation({ owner: 'bob', idempotencyKey: 'same-key' }));
    expect(other.kind).toBe('created');

    await store.releaseIdempotencyKey(animationOf(results[0]!).id);
    const again = await store.insert(newAnimation({ idempotencyKey: 'same-key' }));
    expect(again.kind).toBe('created');
    await store.close();
  });

  it('applies changes atomically: row, ordered log lines and status history, or nothing', async () => {
    const { store } = await open();
    const animation = animationOf(await store.insert(newAnimation()));
    await store.update(animation.id, decide({ type: 'submitted', requestId: 'req-1', queuePosition: 2 }));
    const change = await store.update(
      animation.id,
      decide({ type: 'progressed', status: 'IN_PROGRESS', queuePosition: null, logs: [line('a'), line('step 3/30')] }),
    );
    expect(change?.animation).toMatchObject({ status: 'IN_PROGRESS', requestId: 'req-1', logCount: 2, version: 3, progress: 0.1 });
    expect(change?.newLogs.map((l) => [l.seq, l.message])).toEqual([
      [1, 'a'],
      [2, 'step 3/30'],
    ]);

    expect(await store.update(animation.id, () => null)).toBeNull();
    expect(await store.update(randomUUID(), decide({ type: 'cancelled' }))).toBeNull();

    expect((await store.logs(animation.id)).map((l) => l.message)).toEqual(['a', 'step 3/30']);
    expect((await store.logs(animation.id, 1)).map((l) => l.message)).toEqual(['step 3/30']);
    expect((await store.statusHistory(animation.id)).map((h) => h.status)).toEqual(['SUBMITTING', 'IN_QUEUE', 'IN_PROGRESS']);
    await store.close();
  });

  it('serialises concurrent updates of one animation: every line kept once, in a gap-free sequence', async () => {
    const { store } = await open();
    const animation = animationOf(await store.insert(newAnimation({ requestId: 'r', status: 'IN_PROGRESS' })));
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        store.update(animation.id, decide({ type: 'progressed', status: 'IN_PROGRESS', queuePosition: null, logs: [line(`l${i}`)] })),
      ),
    );
    const logs = await store.logs(animation.id);
    expect(logs.map((l) => l.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(new Set(logs.map((l) => l.message)).size).toBe(25);
    expect((await store.get(animation.id))?.version).toBe(26);
    await store.close();
  });

  it("lists an owner's animations newest first, a page at a time, filtered by status", async () => {
    const { store } = await open();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(animationOf(await store.insert(newAnimation())).id);
    await store.insert(newAnimation({ owner: 'bob' }));
    await store.update(ids[2]!, decide({ type: 'cancelled' }));

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const result = await store.list('alice', { first: 3, after, status: null });
      seen.push(...result.items.map((item) => item.animation.id));
      after = result.items.at(-1)?.cursor ?? null;
      if (!result.hasNextPage) break;
    }
    expect(seen).toEqual([...ids].reverse());

    const cancelled = await store.list('alice', { first: 10, after: null, status: 'CANCELLED' });
    expect(cancelled.items.map((item) => item.animation.id)).toEqual([ids[2]]);
    expect(cancelled.hasNextPage).toBe(false);
    await expect(store.list('alice', { first: 3, after: 'not-a-cursor', status: null })).rejects.toBeInstanceOf(InvalidCursorError);

    expect((await store.listUnfinished()).map((a) => a.id)).toEqual([...ids.filter((id) => id !== ids[2]), expect.any(String)]);
    await store.close();
  });

  it("refuses, atomically, an insert over the owner's quota of unfinished animations or animations per window", async () => {
    const { store } = await open();
    const quota = { maxUnfinished: 3, maxInWindow: 100, windowStart: '1970-01-01T00:00:00.000Z' };
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => store.insert(newAnimation(), quota)));
    expect(outcomes.filter((o) => o.kind === 'created')).toHaveLength(3);
    expect(outcomes.filter((o) => o.kind === 'overQuota')).toHaveLength(7);
    expect(outcomes.find((o) => o.kind === 'overQuota')).toEqual({ kind: 'overQuota', limit: 'unfinished', oldestInWindow: null });
    expect((await store.insert(newAnimation({ owner: 'bob' }), quota)).kind).toBe('created');

    const created = outcomes.filter((o) => o.kind === 'created').map(animationOf);
    for (const animation of created) {
      await store.update(animation.id, decide({ type: 'cancelled' }));
    }
    const windowQuota = { maxUnfinished: 100, maxInWindow: 3, windowStart: '1970-01-01T00:00:00.000Z' };
    const refused = await store.insert(newAnimation(), windowQuota);
    expect(refused).toMatchObject({ kind: 'overQuota', limit: 'window' });
    // The window frees up when the oldest of Alice's three in it leaves the window.
    const oldest = Math.min(...created.map((animation) => Date.parse(animation.createdAt)));
    expect(refused.kind === 'overQuota' && Date.parse(refused.oldestInWindow!)).toBe(oldest);
    expect((await store.insert(newAnimation(), { ...windowQuota, windowStart: tick() })).kind).toBe('created');

    const keyed = animationOf(await store.insert(newAnimation({ idempotencyKey: 'kept' })));
    expect(await store.insert(newAnimation({ idempotencyKey: 'kept' }), { ...windowQuota, maxUnfinished: 0 })).toEqual({
      kind: 'existing',
      animation: keyed,
    });
    await store.close();
  });

  it("keeps the owner's count of unfinished animations exact through finishes and deletes", async () => {
    const { store } = await open();
    const quota = { maxUnfinished: 2, maxInWindow: 3, windowStart: '1970-01-01T00:00:00.000Z' };
    const first = animationOf(await store.insert(newAnimation(), quota));
    const second = animationOf(await store.insert(newAnimation(), quota));
    expect(await store.insert(newAnimation(), quota)).toEqual({ kind: 'overQuota', limit: 'unfinished', oldestInWindow: null });

    // A finish frees a place; finishing it again does not free another.
    await store.update(first.id, decide({ type: 'cancelled' }));
    expect(await store.update(first.id, decide({ type: 'cancelled' }))).toBeNull();
    const third = animationOf(await store.insert(newAnimation(), quota));
    expect(await store.insert(newAnimation(), { ...quota, maxInWindow: 100 })).toMatchObject({ kind: 'overQuota', limit: 'unfinished' });

    // Deleting an unfinished one frees its place and its place in the window; deleting a finished one frees no place.
    await store.delete(second.id, 'alice', tick());
    await store.delete(first.id, 'alice', tick());
    const fourth = animationOf(await store.insert(newAnimation(), quota));
    expect(await store.insert(newAnimation(), { ...quota, maxInWindow: 100 })).toMatchObject({ kind: 'overQuota', limit: 'unfinished' });
    // Two left in the window (third, fourth) of three: one more fits once a place is free.
    await store.update(third.id, decide({ type: 'cancelled' }));
    animationOf(await store.insert(newAnimation(), quota));
    expect(await store.insert(newAnimation(), { ...quota, maxUnfinished: 100 })).toMatchObject({ kind: 'overQuota', limit: 'window' });
    expect((await store.get(fourth.id))?.status).toBe('SUBMITTING');
    await store.close();
  });

  it('commits concurrent writes independently: one failing leaves the others written', async () => {
    const { store } = await open();
    const taken = animationOf(await store.insert(newAnimation()));
    const others = Array.from({ length: 5 }, () => newAnimation());
    const outcomes = await Promise.allSettled([
      ...others.slice(0, 2).map((animation) => store.insert(animation)),
      store.insert(newAnimation({ id: taken.id })),
      ...others.slice(2).map((animation) => store.insert(animation)),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    for (const animation of others) expect((await store.get(animation.id))?.id).toBe(animation.id);
    expect((await store.get(taken.id))?.createdAt).toBe(taken.createdAt);
    await store.close();
  });

  it('keeps everything across a close and reopen', async () => {
    const { store, where } = await open();
    const animation = animationOf(await store.insert(newAnimation({ idempotencyKey: 'k' })));
    await store.update(animation.id, decide({ type: 'submitted', requestId: 'r9', queuePosition: 0 }));
    await store.update(animation.id, decide({ type: 'progressed', status: 'IN_PROGRESS', queuePosition: null, logs: [line('x')] }));
    await store.close();

    const { store: reopened } = await open(where);
    expect(await reopened.get(animation.id)).toMatchObject({ status: 'IN_PROGRESS', requestId: 'r9', logCount: 1, version: 3 });
    expect((await reopened.logs(animation.id)).map((l) => l.message)).toEqual(['x']);
    expect((await reopened.insert(newAnimation({ idempotencyKey: 'k' }))).kind).toBe('existing');
    expect(await reopened.ping()).toBe(true);
    await reopened.close();
  });
});

describe('the quota counters migration (0007)', () => {
  it("counts what a store written before it holds: each owner's unfinished animations and the last day's creations", async () => {
    const dataDir = temporaryDirectory();
    const before = await openAnimationStore({ kind: 'embedded', dataDir });
    // Created now: the migration counts the creations of the last day as the clock says.
    const now = () => newAnimation({ createdAt: new Date().toISOString() });
    const alice = [now(), now(), now()];
    for (const animation of alice) await before.insert(animation);
    await before.insert({ ...now(), owner: 'bob' });
    await before.update(alice[0]!.id, decide({ type: 'cancelled' }));
    await before.close();
    // Back to the schema of 0006: no counters, 0007 not applied.
    const database = new Sqlite(join(dataDir, 'gateway.sqlite'));
    database.exec("DROP TABLE owner_usage; DROP TABLE owner_creations; DELETE FROM kysely_migration WHERE name = '0007_quota_counts'");
    database.close();

    const after = await openAnimationStore({ kind: 'embedded', dataDir });
    const windowStart = new Date(Date.now() - 3_600_000).toISOString();
    // Alice has two unfinished of three; a third unfinished one is over a limit of 2, and a fourth creation over 3 per window.
    expect(await after.insert(now(), { maxUnfinished: 2, maxInWindow: 100, windowStart })).toMatchObject({
      kind: 'overQuota',
      limit: 'unfinished',
    });
    expect(await after.insert(now(), { maxUnfinished: 100, maxInWindow: 3, windowStart })).toMatchObject({
      kind: 'overQuota',
      limit: 'window',
    });
    expect((await after.insert({ ...now(), owner: 'bob' }, { maxUnfinished: 2, maxInWindow: 2, windowStart })).kind).toBe('created');
    expect(await after.insert({ ...now(), owner: 'bob' }, { maxUnfinished: 2, maxInWindow: 100, windowStart })).toMatchObject({
      kind: 'overQuota',
      limit: 'unfinished',
    });
    await after.close();
  });
});
