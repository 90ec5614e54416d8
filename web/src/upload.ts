/**
 * Builds a GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec)
 * when the variables hold files: `operations` is the JSON request with each File replaced by
 * null, `map` tells the server which variable each numbered form field fills, and the files
 * follow in that order. Undefined when there is no file, so the request can go as plain JSON.
 */
export function multipartBody(documentId: string, variables: unknown): FormData | undefined {
  const files: { file: File; path: string }[] = [];
  const operations = { documentId, variables: withoutFiles(variables, 'variables', files) };
  if (files.length === 0) return undefined;
  const body = new FormData();
  body.append('operations', JSON.stringify(operations));
  body.append('map', JSON.stringify(Object.fromEntries(files.map(({ path }, index) => [String(index), [path]]))));
  files.forEach(({ file }, index) => body.append(String(index), file, file.name));
  return body;
}

function withoutFiles(value: unknown, path: string, files: { file: File; path: string }[]): unknown {
  if (value instanceof File) {
    files.push({ file: value, path });
    return null;
  }
  if (Array.isArray(value)) return value.map((item, index) => withoutFiles(item, `${path}.${index}`, files));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutFiles(item, `${path}.${key}`, files)]));
  }
  return value;
}
