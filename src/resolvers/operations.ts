import { notFound } from '../domain/errors.js';
import type { AnimationStatus } from '../domain/animation.js';
import type { GatewayContext } from './context.js';
import { animationGlobalId, animationIdFrom } from './global-id.js';

export async function animation(ctx: GatewayContext, globalId: string) {
  const id = animationIdFrom(globalId);
  return (id && (await ctx.animations.get(ctx.owner, id))) || null;
}

export async function animations(
  ctx: GatewayContext,
  args: { first?: number | null; after?: string | null; status?: AnimationStatus | null },
) {
  const page = await ctx.animations.list(ctx.owner, args);
  return {
    edges: page.items.map(({ animation: node, cursor }) => ({ node, cursor })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: false,
      startCursor: page.items[0]?.cursor ?? null,
      endCursor: page.items.at(-1)?.cursor ?? null,
    },
  };
}

export function createAnimation(ctx: GatewayContext, input: Record<string, unknown>) {
  return ctx.animations.create(ctx.owner, input, ctx.reqId);
}

export function cancelAnimation(ctx: GatewayContext, globalId: string) {
  const id = animationIdFrom(globalId);
  if (!id) throw notFound();
  return ctx.animations.cancel(ctx.owner, id);
}

export function animationProgress(ctx: GatewayContext, globalId: string) {
  const id = animationIdFrom(globalId);
  if (!id) throw notFound();
  return ctx.animations.follow(ctx.owner, id);
}

export async function deleteAnimation(ctx: GatewayContext, globalId: string) {
  const id = animationIdFrom(globalId);
  if (!id) throw notFound();
  return { deletedId: animationGlobalId(await ctx.animations.delete(ctx.owner, id)) };
}

export function usage(ctx: GatewayContext, since: string | null) {
  return ctx.animations.usage(ctx.owner, since);
}
