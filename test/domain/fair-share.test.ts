import { describe, expect, it } from 'vitest';
import { sendingOrder, type HeldAnimation } from '../../src/domain/fair-share.js';

const held = (id: string, owner: string, second: number, priority: 'NORMAL' | 'LOW' = 'NORMAL'): HeldAnimation => ({
  id,
  owner,
  priority,
  createdAt: `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`,
});
const ids = (order: HeldAnimation[]) => order.map((animation) => animation.id);

describe('fair share of the slots at fal', () => {
  it("lets an owner who comes late take turns with another owner's burst", () => {
    const burst = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => held(`a${n}`, 'alice', n));
    const late = [held('b1', 'bob', 20), held('b2', 'bob', 21)];
    // Alice already has two at fal.
    expect(ids(sendingOrder([...burst, ...late], { alice: 2 }))).toEqual(['b1', 'b2', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8']);
    expect(ids(sendingOrder([...burst, ...late], {}))).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8']);
  });

  it("sends an owner's LOW animations after every NORMAL one of theirs, not after other owners'", () => {
    const order = sendingOrder([held('a1', 'alice', 1, 'LOW'), held('a2', 'alice', 2), held('b1', 'bob', 3, 'LOW')], {});
    expect(ids(order)).toEqual(['a2', 'b1', 'a1']);
  });

  it('breaks ties by age, then by id', () => {
    expect(ids(sendingOrder([held('z', 'carol', 5), held('y', 'dave', 5), held('x', 'erin', 4)], {}))).toEqual(['x', 'y', 'z']);
  });
});
