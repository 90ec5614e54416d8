import { AnimationStatusEnum } from './enums.js';
import * as resolve from '../resolvers/operations.js';
import { AnimationConnectionType, AnimationProgressType, AnimationType, DeleteAnimationPayloadType, UsageType } from './animation.js';
import { builder } from './builder.js';
import { CreateAnimationInput } from './inputs.js';

builder.queryType({
  fields: (t) => ({
    animation: t.field({
      type: AnimationType,
      nullable: true,
      description: 'null when it does not exist or belongs to someone else',
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, ctx) => resolve.animation(ctx, String(args.id)),
    }),
    animations: t.field({
      type: AnimationConnectionType,
      description: "the caller's animations, newest first",
      args: {
        first: t.arg.int({ description: 'page size, default 20, at most 100' }),
        after: t.arg.string(),
        status: t.arg({ type: AnimationStatusEnum }),
      },
      resolve: (_root, args, ctx) => resolve.animations(ctx, args),
    }),
    usage: t.field({
      type: UsageType,
      description: "the caller's own animations created since `since` (all of them when omitted)",
      args: { since: t.arg({ type: 'DateTime' }) },
      resolve: (_root, args, ctx) => resolve.usage(ctx, args.since ?? null),
    }),
    node: t.field({
      type: builder.nodeInterfaceRef(),
      nullable: true,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, ctx) => resolve.animation(ctx, String(args.id)),
    }),
  }),
});

builder.mutationType({
  fields: (t) => ({
    createAnimation: t.field({
      type: AnimationType,
      args: { input: t.arg({ type: CreateAnimationInput, required: true }) },
      resolve: (_root, args, ctx) => resolve.createAnimation(ctx, args.input),
    }),
    cancelAnimation: t.field({
      type: AnimationType,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, ctx) => resolve.cancelAnimation(ctx, String(args.id)),
    }),
    deleteAnimation: t.field({
      type: DeleteAnimationPayloadType,
      description:
        'removes the animation, its logs, its history and its files (cancelling it at fal first if unfinished); deleting it again answers the same',
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, ctx) => resolve.deleteAnimation(ctx, String(args.id)),
    }),
  }),
});

builder.subscriptionType({
  fields: (t) => ({
    animationProgress: t.field({
      type: AnimationProgressType,
      args: { id: t.arg.id({ required: true }) },
      subscribe: (_root, args, ctx) => resolve.animationProgress(ctx, String(args.id)),
      resolve: (event) => event,
    }),
  }),
});
