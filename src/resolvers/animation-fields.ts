import type { Animation } from '../domain/animation.js';
import type { GatewayContext } from './context.js';

export const logs = (animation: Animation, _args: object, ctx: GatewayContext) => ctx.animations.logs(animation);

export const webhookDeliveries = (animation: Animation, _args: object, ctx: GatewayContext) => ctx.animations.webhookDeliveries(animation);

export const statusHistory = (animation: Animation, _args: object, ctx: GatewayContext) => ctx.animations.statusHistory(animation);

export const video = (animation: Animation, _args: object, ctx: GatewayContext) => ctx.animations.videoFile(animation);
