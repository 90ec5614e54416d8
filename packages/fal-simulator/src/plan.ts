import { resultSize } from './byte-source.js';
import type { JobPlan, ResultStall } from './types.js';

export interface ResolvedPlan {
  steps: number;
  stepMs: number;
  fail: { status: number; body: unknown; headers?: Record<string, string> } | undefined;
  pauseAtStep: number | undefined;
  /** Extra lines logged right after `Loading models`. */
  logLines: string[];
  /** Size of the result video. */
  resultBytes: number;
  resultStall: Required<ResultStall> | undefined;
  /** What a COMPLETED job that ran reports as metrics.inference_time instead of its running time. */
  inferenceSeconds: number | undefined;
}

const DEFAULT_STEPS = 30;
const MAX_STEPS = 100;

/** The `[fail]` prompt tag lets a manual demo show a failed job without writing a plan. */
const MAGIC_FAILURE = {
  status: 500,
  body: { detail: 'Simulated runner failure', error_type: 'runner_server_error' },
};

/** Each field the custom plan leaves out takes its default; `clipBytes` is the real clip's size. */
export function resolvePlan(
  input: Record<string, unknown>,
  custom: JobPlan | undefined,
  defaultStepMs: number,
  clipBytes: number,
): ResolvedPlan {
  const requested = custom?.steps ?? (typeof input.num_inference_steps === 'number' ? input.num_inference_steps : DEFAULT_STEPS);
  const prompt = typeof input.prompt === 'string' ? input.prompt : '';
  return {
    steps: Math.max(0, Math.min(MAX_STEPS, Math.floor(requested))),
    stepMs: custom?.stepMs ?? defaultStepMs,
    fail: custom?.fail ?? (prompt.includes('[fail]') ? MAGIC_FAILURE : undefined),
    pauseAtStep: custom?.pauseAtStep,
    logLines: custom?.logLines?.map(String) ?? [],
    resultBytes: resultSize(custom?.resultBytes) ?? clipBytes,
    resultStall: custom?.resultStall && resolveStall(custom.resultStall),
    inferenceSeconds: validSeconds(custom?.inferenceSeconds),
  };
}

function resolveStall({ afterBytes, downloads = 1 }: ResultStall): Required<ResultStall> {
  const whole = (n: number, fallback: number): number => (Number.isNaN(n) ? fallback : Math.max(0, Math.floor(n)));
  return { afterBytes: whole(afterBytes, 0), downloads: whole(downloads, 1) };
}

function validSeconds(seconds: number | undefined): number | undefined {
  return seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}
