import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';

/** The relay global id clients know an animation by. */
export function animationGlobalId(id: string): string {
  return encodeGlobalID('Animation', id);
}

/** The animation id inside a relay global id, or undefined when it is not an Animation's id. */
export function animationIdFrom(globalId: string): string | undefined {
  try {
    const { typename, id } = decodeGlobalID(globalId);
    return typename === 'Animation' && id.length > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}
