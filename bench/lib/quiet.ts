/** Waiting (bounded) until a gateway has finished the work a load left behind. */
import { cpuTicks, ticksToUs } from './proc.js';
import { pollUntil } from './processes.js';
import type { GatewayProcess, SimulatorProcess } from './services.js';

/**
 * Resolves once the simulator has at most `unfinished` jobs not completed, the gateway has read
 * the result of every other one, and the gateway process used under 5% of a core for 250 ms.
 * Gives up quietly after timeoutMs (the figures that follow then say how busy it still was).
 */
export async function waitQuiet(gateway: GatewayProcess, sim: SimulatorProcess, unfinished: number, timeoutMs = 60_000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  const left = () => Math.max(1_000, deadline - performance.now());
  try {
    await pollUntil('upstream jobs finished', async () => (await sim.backlog()).unfinished <= unfinished, {
      timeoutMs: left(),
      intervalMs: 200,
    });
    await pollUntil(
      'every result read',
      async () => {
        const calls = await sim.calls();
        return calls.result >= calls.submit - unfinished;
      },
      { timeoutMs: left(), intervalMs: 100 },
    );
    await waitIdle('gateway idle', gateway.pid, left());
    return true;
  } catch {
    return false;
  }
}

/** Resolves once the process used under 5% of a core for 250 ms; rejects after timeoutMs. */
export async function waitIdle(what: string, pid: number, timeoutMs: number): Promise<void> {
  let last = cpuTicks(pid);
  let lastAt = performance.now();
  await pollUntil(
    what,
    () => {
      const now = cpuTicks(pid);
      const at = performance.now();
      const busy = ticksToUs(now - last) / ((at - lastAt) * 1000);
      last = now;
      lastAt = at;
      return busy < 0.05;
    },
    { timeoutMs, intervalMs: 250 },
  );
}
