/**
 * The id of a generated document among the gateway's trusted documents (codegen's persisted
 * documents, `sha256:<hex>`). The page sends ids only, never documents, so it works where the
 * gateway runs trusted documents only (PERSISTED_OPERATIONS=only).
 */
export function documentIdOf(document: { __meta__?: Record<string, unknown> | undefined }): string {
  const id = document.__meta__?.hash;
  if (typeof id !== 'string') throw new Error('A generated document has no id: run npm run codegen.');
  return id;
}
