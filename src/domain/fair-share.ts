import type { Animation } from './animation.js';

/** What fair share needs to know of a held animation. */
export type HeldAnimation = Pick<Animation, 'id' | 'owner' | 'priority' | 'createdAt'>;

/**
 * The order in which held animations get the account's slots at fal: each next one is the
 * first of the owner with the fewest animations at fal (counting the ones this order has
 * already sent), ties going to the oldest; an owner's own line is NORMAL before LOW, oldest
 * first. An owner's burst therefore takes turns with everyone else's.
 */
export function sendingOrder<A extends HeldAnimation>(held: readonly A[], atFal: Readonly<Record<string, number>>): A[] {
  const lines = new Map<string, A[]>();
  for (const animation of [...held].sort(inOwnLine)) {
    const line = lines.get(animation.owner);
    if (line) line.push(animation);
    else lines.set(animation.owner, [animation]);
  }
  const sent = new Map(Object.entries(atFal));
  const order: A[] = [];
  while (lines.size > 0) {
    let next: A | undefined;
    for (const [owner, line] of lines) {
      const head = line[0]!;
      if (!next || isAhead(head, (sent.get(owner) ?? 0) - (sent.get(next.owner) ?? 0), next)) next = head;
    }
    const line = lines.get(next!.owner)!;
    line.shift();
    if (line.length === 0) lines.delete(next!.owner);
    sent.set(next!.owner, (sent.get(next!.owner) ?? 0) + 1);
    order.push(next!);
  }
  return order;
}

/** `moreAtFal`: how many more animations `a`'s owner has at fal than `b`'s (negative: fewer). */
function isAhead(a: HeldAnimation, moreAtFal: number, b: HeldAnimation): boolean {
  return moreAtFal !== 0 ? moreAtFal < 0 : older(a, b);
}

function inOwnLine(a: HeldAnimation, b: HeldAnimation): number {
  if (a.priority !== b.priority) return a.priority === 'LOW' ? 1 : -1;
  return older(a, b) ? -1 : 1;
}

function older(a: HeldAnimation, b: HeldAnimation): boolean {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id);
}
