export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Why a request failed: a gateway error code (`extensions.code`: BAD_USER_INPUT,
 * UNAUTHENTICATED, NOT_FOUND, RATE_LIMITED, UPSTREAM_ERROR, …) or one of the page's own:
 * NETWORK, HTTP, CONNECTION.
 */
export class GatewayProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fields: FieldProblem[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'GatewayProblem';
  }
}

export interface GraphqlError {
  message: string;
  extensions?: Record<string, unknown>;
}

export function problemFromErrors(errors: readonly GraphqlError[]): GatewayProblem {
  const [first] = errors;
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : 'UNKNOWN';
  const fields = errors.flatMap((error) => {
    const listed = error.extensions?.fields;
    return Array.isArray(listed) ? listed.filter(isFieldProblem) : [];
  });
  const retryAfter = first?.extensions?.retryAfter;
  return new GatewayProblem(code, first?.message ?? 'Unknown error', fields, typeof retryAfter === 'number' ? retryAfter : undefined);
}

/** What graphql-ws reports when a subscription ends badly: GraphQL errors, a close event, or an Error. */
export function problemFromSubscription(reason: unknown): GatewayProblem {
  if (Array.isArray(reason)) return problemFromErrors(reason.filter(isGraphqlError));
  if (isCloseEvent(reason)) {
    // The gateway closes with 4403 for missing, wrong or expired credentials, and says so in
    // the reason only when it is something else (too many connections).
    if (reason.code === 4403 && (reason.reason === '' || reason.reason === 'Forbidden')) {
      return new GatewayProblem('UNAUTHENTICATED', 'The gateway refused the live connection.');
    }
    return new GatewayProblem('CONNECTION', reason.reason || `the connection closed (${reason.code})`);
  }
  return new GatewayProblem('CONNECTION', reason instanceof Error ? reason.message : 'the connection failed');
}

/** One sentence a person can act on. */
export function describeProblem(problem: GatewayProblem): string {
  switch (problem.code) {
    case 'UNAUTHENTICATED':
      return 'The gateway needs a valid API key: enter it at the top of the page.';
    case 'NOT_FOUND':
      return 'This animation was not found; it may belong to another API key.';
    case 'RATE_LIMITED':
      return problem.retryAfterSeconds === undefined
        ? `Too many requests: ${sentence(problem.message)}`
        : `Too many requests. Try again in ${Math.ceil(problem.retryAfterSeconds)} seconds.`;
    case 'UPSTREAM_ERROR':
      return `fal.ai did not accept the request: ${sentence(problem.message)}`;
    case 'NETWORK':
      return 'Could not reach the gateway. Check that it is running, then try again.';
    case 'CONNECTION':
      return `Lost the live connection to the gateway (${problem.message}). Open the animation from the history to try again.`;
    default:
      return sentence(problem.message);
  }
}

/** Server messages are often fragments ("must not be empty"); this makes them read as sentences. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return 'Something went wrong.';
  const capitalised = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

function isFieldProblem(value: unknown): value is FieldProblem {
  const candidate = value as Partial<FieldProblem> | null;
  return typeof candidate?.field === 'string' && typeof candidate.message === 'string';
}

function isGraphqlError(value: unknown): value is GraphqlError {
  return typeof (value as Partial<GraphqlError> | null)?.message === 'string';
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  const candidate = value as { code?: unknown; reason?: unknown } | null;
  return typeof candidate?.code === 'number' && typeof candidate.reason === 'string';
}
