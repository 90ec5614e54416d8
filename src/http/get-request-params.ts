import { createGraphQLError, type Plugin } from 'graphql-yoga';

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

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
