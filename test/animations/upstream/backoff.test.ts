import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/animations/upstream/backoff.js';

describe('backoffDelay', () => {
  it('waits at least the base, doubles its ceiling per attempt, and never exceeds the maximum', () => {
    const lowest = () => 0;
    const highest = () => 1;
    expect([1, 2, 3].map((attempt) => backoffDelay(attempt, 40, 400, lowest))).toEqual([40, 40, 40]);
    expect([1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, 40, 400, highest))).toEqual([80, 160, 320, 400, 400]);
    expect(backoffDelay(2, 40, 400, () => 0.5)).toBe(100);
  });
});
