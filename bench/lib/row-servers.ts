/** The simulator and the gateway as the rows run them, and HTTP load on that gateway. */
import type { JobPlan } from '@uni-animate/fal-simulator';
import { BENCH_AUTHORIZATION } from '../config.js';
import { FANOUT_MARKER } from './documents.js';
import { runHttpLoad, type HttpLoadResult, type HttpLoadSize, type HttpLoadTarget, type HttpRun } from './http-load.js';
import type { ProcessGroup } from './processes.js';
import type { RowContext } from './row.js';
import { GatewayProcess, LOAD_CPU, SimulatorProcess, type GatewayOptions, type PlanRule } from './services.js';

/** Simulator settings for createAnimation load: jobs start at once and finish within a few ms. */
const FAST_JOBS = { queueTickMs: 1, concurrency: 1_000_000, queueAhead: 0, stepMs: 1 } as const;
const FAST_JOB_PLAN = { steps: 0, stepMs: 1 } as const;

/** Simulator settings that hold every job in the upstream queue: the queue never moves within a run. */
const HELD_JOBS = { queueTickMs: 3_600_000, queueAhead: 1, concurrency: 1 } as const;

/** A simulator on which every submitted job stays IN_QUEUE (createAnimation without any lifecycle after it). */
export function startHeldJobSimulator(group: ProcessGroup, pin: boolean): Promise<SimulatorProcess> {
  return SimulatorProcess.start(group, HELD_JOBS, { pin });
}

/**
 * A simulator whose jobs start at once and follow `fallback` (by default: finish within a few ms),
 * except those a rule plans otherwise.
 */
export async function startFastJobSimulator(
  group: ProcessGroup,
  pin: boolean,
  rules: PlanRule[] = [],
  fallback: JobPlan = FAST_JOB_PLAN,
): Promise<SimulatorProcess> {
  const sim = await SimulatorProcess.start(group, FAST_JOBS, { pin });
  await sim.plan(rules, fallback);
  return sim;
}

/**
 * A fast-job simulator on which jobs whose prompt has FANOUT_MARKER pause before their first step;
 * once resumed, each logs a step every stepMs (100 in all, more than any row waits for).
 */
export function startFanoutSimulator(group: ProcessGroup, pin: boolean, stepMs: number): Promise<SimulatorProcess> {
  return startFastJobSimulator(group, pin, [{ match: FANOUT_MARKER, plan: { steps: 100, pauseAtStep: 0, stepMs } }]);
}

/** The gateway in production mode with info logs, the run's entry, environment and pinning. */
export function startGateway(
  ctx: RowContext,
  group: ProcessGroup,
  sim: SimulatorProcess,
  options: Partial<Pick<GatewayOptions, 'name' | 'gcHook' | 'inspect' | 'dataDir'>> = {},
): Promise<GatewayProcess> {
  return GatewayProcess.start(group, {
    simulatorUrl: sim.url,
    workDir: ctx.workDir,
    entry: ctx.config.gatewayEntry,
    env: ctx.config.gatewayEnv,
    production: true,
    logLevel: 'info',
    gcHook: false,
    pin: ctx.config.pin,
    ...options,
  });
}

export interface GatewayLoad {
  label: string;
  body: string;
  size: HttpLoadSize;
  onRun?: (run: HttpRun, index: number) => void;
  expectCount?: HttpLoadTarget['expectCount'];
}

/** The gateway's /graphql as a load target, with the bench's API key. */
export function gatewayTarget(gateway: GatewayProcess, load: Pick<GatewayLoad, 'label' | 'body' | 'expectCount'>): HttpLoadTarget {
  return {
    label: load.label,
    url: gateway.graphqlUrl,
    body: load.body,
    headers: { authorization: BENCH_AUTHORIZATION },
    serverPid: gateway.pid,
    ...(load.expectCount ? { expectCount: load.expectCount } : {}),
  };
}

/** HTTP load (autocannon on the load CPU) on the gateway's /graphql, with the bench's API key. */
export function loadGateway(ctx: RowContext, group: ProcessGroup, gateway: GatewayProcess, load: GatewayLoad): Promise<HttpLoadResult> {
  return runHttpLoad(group, gatewayTarget(gateway, load), load.size, { cpu: LOAD_CPU, pin: ctx.config.pin, onRun: load.onRun });
}
