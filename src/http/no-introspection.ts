import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Rejects introspection on every transport. (Yoga's own plugin decides per HTTP request,
 * so it lets introspection through over WebSocket.)
 */
export function useNoIntrospection(): Plugin {
  return {
    onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule),
  };
}
