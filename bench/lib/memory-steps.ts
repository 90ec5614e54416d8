/** Idle memory of a subscription server (the gateway, or W) read at growing subscription counts. */
import type { MemorySample } from './services.js';
import type { OpenResult } from './ws-load.js';

export interface MemoryStep {
  subscriptions: number;
  open?: OpenResult;
  memory: MemorySample;
}

export interface MemorySteps {
  /** Subscription counts, rising. */
  counts: number[];
  /** Opens `count` more subscriptions. */
  openMore: (count: number) => Promise<OpenResult>;
  /** The server's memory after GC. */
  memory: () => Promise<MemorySample>;
  onStep: (step: Required<MemoryStep>, requested: number) => void;
}

/** Reads memory with no subscriptions, then opens subscriptions up to each count, reading it again at each. */
export async function openInMemorySteps({ counts, openMore, memory, onStep }: MemorySteps): Promise<MemoryStep[]> {
  const steps: MemoryStep[] = [{ subscriptions: 0, memory: await memory() }];
  let opened = 0;
  for (const count of counts) {
    const requested = count - opened;
    const open = await openMore(requested);
    opened = count;
    const step = { subscriptions: count, open, memory: await memory() };
    steps.push(step);
    onStep(step, requested);
  }
  return steps;
}
