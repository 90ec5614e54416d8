import { createGraphQLError, type GraphQLParams, type Plugin } from 'graphql-yoga';

/**
 * Answers a GET whose `variables` or `extensions` parameter is not a JSON object with 400
 * BAD_REQUEST. (Yoga parses them without a guard and reports a bad one as a 500.)
 */
export function useGetParamsCheck(): Plugin {
  return {
    onRequestParse({ request, url }) {
      if (request.method !== 'GET') return;
      for (const name of ['variables', 'extensions']) {
        const value = url.searchParams.get(name);
        if (value !== null && !isJsonObject(value)) {
          throw createGraphQLError(`The "${name}" parameter must be a JSON object.`, {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
      }
    },
  };
}

/**
 * Parses GraphQL multipart requests (the multipart request spec) in place of yoga's parser,
 * which answers a `map` that is not an object of path lists (`[1,2]`, `{"0":[1]}`,
 * `{"0":{}}`) with a 500: here every malformed `operations` or `map` is 400 BAD_USER_INPUT.
 * A part the map names that is a plain field rather than a file is left for the File
 * scalar to refuse, as on every transport.
 */
export function useMultipartParser(): Plugin {
  return {
    onRequestParse({ request, setRequestParser }) {
      if (request.method === 'POST' && isMultipart(request)) setRequestParser(parseMultipart);
    },
  };
}

async function parseMultipart(request: Request): Promise<GraphQLParams> {
  let form: FormData;
  try {
    form = await request.formData();
  } catch (error) {
    if (!(error instanceof Error) || isAbort(error)) throw error;
    if (error.message.startsWith('File size limit exceeded: ')) {
      throw createGraphQLError(error.message, { extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', http: { status: 413 } } });
    }
    throw createGraphQLError(`POST body sent invalid multipart data: ${error.message}`, {
      extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
    });
  }
  const operations = jsonField(form, 'operations');
  if (!isPlainObject(operations)) throw badMultipart('The multipart field "operations" must be a JSON object.');
  if (form.get('map') === null) return operations as GraphQLParams;
  const map = jsonField(form, 'map');
  if (!isPlainObject(map)) throw badMultipart('The multipart field "map" must be a JSON object.');
  for (const [part, paths] of Object.entries(map)) {
    if (!Array.isArray(paths) || !paths.every((path) => typeof path === 'string')) {
      throw badMultipart(`The multipart map entry "${part.slice(0, 20)}" must be a list of paths.`);
    }
    const value = form.get(part);
    if (value === null) throw badMultipart(`The multipart map names a part "${part.slice(0, 20)}" the request does not have.`);
    for (const path of paths as string[]) setPath(operations, path, value);
  }
  return operations as GraphQLParams;
}

function jsonField(form: FormData, name: string): unknown {
  const value = form.get(name);
  if (value === null) throw badMultipart(`The multipart field "${name}" is missing.`);
  if (typeof value !== 'string') throw badMultipart(`The multipart field "${name}" must be a field, not a file.`);
  try {
    return JSON.parse(value);
  } catch {
    throw badMultipart(`The multipart field "${name}" must be valid JSON.`);
  }
}

/** Sets `value` at a dotted path, never on an object's prototype (as yoga's parser does). */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  if (keys.some((key) => key === '__proto__' || key === 'constructor' || key === 'prototype')) return;
  let current = target;
  for (const [i, key] of keys.entries()) {
    if (i === keys.length - 1) {
      current[key] = value;
      return;
    }
    const next = current[key];
    if (!Object.hasOwn(current, key) || typeof next !== 'object' || next === null) current[key] = {};
    current = current[key] as Record<string, unknown>;
  }
}

function badMultipart(message: string) {
  return createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
}

function isMultipart(request: Request): boolean {
  const contentType = request.headers.get('content-type')?.split(',')[0]?.trim().toLowerCase();
  return contentType === 'multipart/form-data' || (contentType?.startsWith('multipart/form-data;') ?? false);
}

function isAbort(error: Error): boolean {
  return error.name === 'AbortError' || error.name === 'TimeoutError';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isJsonObject(text: string): boolean {
  try {
    return isPlainObject(JSON.parse(text));
  } catch {
    return false;
  }
}
