import { describe, expect, it } from 'vitest';
import { ALL_LOGS_4_STEPS, clientFor, ENDPOINT, startSimulator, submit } from './helpers.js';

describe('fal simulator plan log lines', () => {
  it("logs a plan's extra lines right after Loading models, in the status and the job snapshot", async () => {
    const sim = await startSimulator();
    sim.plan(() => ({ logLines: ['echo: Key abc:def', 'second line'] }));
    const fal = clientFor(sim);
    const requestId = await submit(fal);
    await sim.waitFor(() => sim.job(requestId)?.status === 'COMPLETED');
    const expected = [ALL_LOGS_4_STEPS[0], 'echo: Key abc:def', 'second line', ...ALL_LOGS_4_STEPS.slice(1)];
    const status = await fal.queue.status(ENDPOINT, { requestId, logs: true });
    expect('logs' in status ? status.logs.map((line) => line.message) : []).toEqual(expected);
    expect(sim.job(requestId)!.logs.map((line) => line.message)).toEqual(expected);
  });
});
