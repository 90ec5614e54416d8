/**
 * Profiles for the rows that missed, each taken on a fresh gateway (started with the inspector
 * open) around one phase only, with V8's sampling profiler (1 ms), the same profiler and format as
 * `node --cpu-prof`. Profiling slows the gateway, so these runs are not used for any figure.
 *   http-typename   H1's load for a few seconds
 *   http-create     H2's load for a few seconds
 *   http-create-held  P1's load for a few seconds: createAnimation with every job held in the upstream queue
 *   http-list       R1's load for a few seconds, on a gateway whose owner has R1's animations
 *   subscribe       opening the fan-out's subscriptions (S3's open rate), plus a live-heap sample (S1)
 *   fanout          upstream changes fanned out to every subscriber (S2)
 *   fanout+create   createAnimation load while the fan-out runs (S4)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_OWNER, type RowId } from '../config.js';
import { createAnimationBody, FANOUT_MARKER, LIST_ANIMATIONS, LIST_PAGE_SIZE, TYPENAME_QUERY } from '../lib/documents.js';
import { createPausedAnimation, openProgressSubscriptions } from '../lib/fanout.js';
import { seedAnimations } from '../lib/gateway-store.js';
import type { HttpLoadSize } from '../lib/http-load.js';
import { InspectorSession } from '../lib/inspector.js';
import { summariseHeapSample, summariseProfile, type ProfileSummary } from '../lib/profile.js';
import { ProcessGroup } from '../lib/processes.js';
import type { RowContext } from '../lib/row.js';
import { loadGateway, startFanoutSimulator, startFastJobSimulator, startGateway, startHeldJobSimulator } from '../lib/row-servers.js';
import { LOAD_CPU, type SimulatorProcess } from '../lib/services.js';
import { WsLoadClient } from '../lib/ws-load.js';

export interface ProfileSection {
  name: string;
  rows: RowId[];
  what: string;
  cpu?: ProfileSummary;
  heap?: ReturnType<typeof summariseHeapSample> & { subscriptions: number };
  error?: string;
}

const PROFILE_LOAD: HttpLoadSize = { connections: 50, warmupSec: 0, runs: 1, durationSec: 5 };

function saveProfile(ctx: RowContext, name: string, profile: unknown): string {
  const dir = join(ctx.workDir, 'profiles');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  return file;
}

async function startProfiledGateway(ctx: RowContext, group: ProcessGroup, name: string, fanoutIntervalMs: number) {
  const sim = await startFanoutSimulator(group, ctx.config.pin, fanoutIntervalMs);
  const gateway = await startGateway(ctx, group, sim, { name, inspect: true });
  const inspector = await InspectorSession.attach(gateway.proc);
  return { sim, gateway, inspector };
}

type ProfiledGateway = Awaited<ReturnType<typeof startProfiledGateway>>;

/** A short unprofiled warm-up (so the profile shows optimised code), then one profiled window of the load. */
async function profileLoad(
  ctx: RowContext,
  group: ProcessGroup,
  { gateway, inspector }: Pick<ProfiledGateway, 'gateway' | 'inspector'>,
  section: { name: string; rows: RowId[]; what: string; body: string; size: HttpLoadSize },
): Promise<ProfileSection> {
  const { name, body, size } = section;
  await loadGateway(ctx, group, gateway, { label: name, body, size: { ...size, durationSec: 2 } });
  await inspector.startCpuProfile();
  await loadGateway(ctx, group, gateway, { label: name, body, size });
  const profile = await inspector.stopCpuProfile();
  return { name, rows: section.rows, what: section.what, cpu: summariseProfile(profile, saveProfile(ctx, name, profile)) };
}

/** One profiled load on a fresh gateway of its own (started with the inspector open) on `sim`; stops both after. */
async function profileOwnGateway(
  ctx: RowContext,
  group: ProcessGroup,
  sim: SimulatorProcess,
  gatewayOptions: { name: string; dataDir?: string },
  section: Parameters<typeof profileLoad>[3],
): Promise<ProfileSection> {
  const gateway = await startGateway(ctx, group, sim, { ...gatewayOptions, inspect: true });
  const inspector = await InspectorSession.attach(gateway.proc);
  const profiled = await profileLoad(ctx, group, { gateway, inspector }, section);
  inspector.close();
  await gateway.stop();
  await sim.stop();
  return profiled;
}

/** P1's load on a fresh gateway whose every job stays queued upstream, at P1's connections. */
async function profileCreateHeld(ctx: RowContext, group: ProcessGroup): Promise<ProfileSection> {
  const size = { ...PROFILE_LOAD, connections: ctx.config.p1.connections };
  return profileOwnGateway(
    ctx,
    group,
    await startHeldJobSimulator(group, ctx.config.pin),
    { name: 'gateway-profile-held' },
    {
      name: 'http-create-held',
      rows: ['P1'],
      what: `${size.durationSec} s of createAnimation at ${size.connections} connections, every job held in the upstream queue (P1)`,
      body: createAnimationBody(),
      size,
    },
  );
}

/** R1's load on a fresh gateway whose owner has R1's count of animations. */
async function profileList(ctx: RowContext, group: ProcessGroup): Promise<ProfileSection> {
  const dataDir = join(ctx.workDir, 'gateway-profile-list-data');
  const seeded = await seedAnimations(dataDir, BENCH_OWNER, ctx.config.r1.animations);
  const sim = await startFastJobSimulator(group, ctx.config.pin);
  return profileOwnGateway(
    ctx,
    group,
    sim,
    { name: 'gateway-profile-list', dataDir },
    {
      name: 'http-list',
      rows: ['R1'],
      what: `${PROFILE_LOAD.durationSec} s of \`animations(first: ${LIST_PAGE_SIZE})\` at 50 connections, for an owner with ${seeded.toLocaleString('en-US')} animations (R1)`,
      body: JSON.stringify({ query: LIST_ANIMATIONS }),
      size: PROFILE_LOAD,
    },
  );
}

/** CPU profiles of the HTTP rows: one window of each missed row's load (H1, H2, P1, R1). */
export async function profileHttp(ctx: RowContext, rows: Set<RowId>): Promise<ProfileSection[]> {
  const sections: ProfileSection[] = [];
  const group = new ProcessGroup();
  try {
    if (rows.has('H1') || rows.has('H2')) {
      const profiled = await startProfiledGateway(ctx, group, 'gateway-profile-http', 1_000);
      const load = async (name: string, sectionRows: RowId[], what: string, body: string) => {
        sections.push(await profileLoad(ctx, group, profiled, { name, rows: sectionRows, what, body, size: PROFILE_LOAD }));
      };
      if (rows.has('H1'))
        await load(
          'http-typename',
          ['H1'],
          `${PROFILE_LOAD.durationSec} s of \`{ __typename }\` at 50 connections`,
          JSON.stringify({ query: TYPENAME_QUERY }),
        );
      if (rows.has('H2'))
        await load('http-create', ['H2'], `${PROFILE_LOAD.durationSec} s of createAnimation at 50 connections`, createAnimationBody());
      profiled.inspector.close();
      await profiled.gateway.stop();
    }
    if (rows.has('P1')) sections.push(await profileCreateHeld(ctx, group));
    if (rows.has('R1')) sections.push(await profileList(ctx, group));
  } finally {
    await group.stopAll();
  }
  return sections;
}

/** CPU profiles (and a live-heap sample) of the subscription rows' phases. */
export async function profileFanout(ctx: RowContext, rows: Set<RowId>): Promise<ProfileSection[]> {
  const sections: ProfileSection[] = [];
  const { fanout, pin } = ctx.config;
  const subscriptions = fanout.rssSteps.at(-1)!;
  const rounds = Math.min(3, fanout.rounds);
  const group = new ProcessGroup();
  try {
    const { sim, gateway, inspector } = await startProfiledGateway(ctx, group, 'gateway-profile-fanout', fanout.intervalMs);
    const client = await WsLoadClient.start(group, 'ws-client-profile', { cpu: LOAD_CPU, pin });
    const animation = await createPausedAnimation(gateway, sim, `bench profile ${FANOUT_MARKER}`);

    // Subscribing: CPU of opening every subscription, and where their live memory was allocated.
    await inspector.startCpuProfile();
    await inspector.startHeapSampling();
    await openProgressSubscriptions(client, {
      url: gateway.wsUrl,
      animationId: animation.id,
      count: subscriptions,
      batch: fanout.batch,
      timeoutMs: fanout.openTimeoutMs,
    });
    const subscribeProfile = await inspector.stopCpuProfile();
    const heap = await inspector.liveHeapSample();
    if (rows.has('S1') || rows.has('S3')) {
      sections.push({
        name: 'subscribe',
        rows: ['S1', 'S3'].filter((row) => rows.has(row as RowId)) as RowId[],
        what: `opening ${subscriptions.toLocaleString('en-US')} subscriptions (batches of ${fanout.batch}); live heap sampled after a forced GC`,
        cpu: summariseProfile(subscribeProfile, saveProfile(ctx, 'subscribe', subscribeProfile)),
        heap: { ...summariseHeapSample(heap), subscriptions },
      });
    }

    // Fan-out: `rounds` upstream changes to every subscriber.
    if (rows.has('S2') || rows.has('S4')) {
      await inspector.startCpuProfile();
      await sim.resume(animation.requestId);
      for (let round = 1; round <= rounds; round++) {
        await sim.waitStep(animation.requestId, round, fanout.intervalMs * 2 + fanout.roundTimeoutMs);
        await client.waitEvents(round, fanout.roundTimeoutMs);
      }
      const fanoutProfile = await inspector.stopCpuProfile();
      sections.push({
        name: 'fanout',
        rows: ['S2'],
        what: `${rounds} upstream changes, each fanned out to ${subscriptions.toLocaleString('en-US')} subscribers (from resume to the last receipt)`,
        cpu: summariseProfile(fanoutProfile, saveProfile(ctx, 'fanout', fanoutProfile)),
      });
      if (rows.has('S4')) {
        await inspector.startCpuProfile();
        await loadGateway(ctx, group, gateway, { label: 'profile S4', body: createAnimationBody(), size: PROFILE_LOAD });
        const loadedProfile = await inspector.stopCpuProfile();
        sections.push({
          name: 'fanout+create',
          rows: ['S4'],
          what: `${PROFILE_LOAD.durationSec} s of createAnimation load while a change reaches every subscriber each ${fanout.intervalMs} ms`,
          cpu: summariseProfile(loadedProfile, saveProfile(ctx, 'fanout-create', loadedProfile)),
        });
      }
    }
    inspector.close();
    await client.close();
    await gateway.stop();
  } finally {
    await group.stopAll();
  }
  return sections;
}
