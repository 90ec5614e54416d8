/**
 * Errors the application raises for callers, each with one of the contract's stable
 * codes. The GraphQL layer turns them into GraphQL errors; anything else is masked.
 */
export type ErrorCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'NOT_FOUND' | 'RATE_LIMITED' | 'UPSTREAM_ERROR';

export class GatewayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

export interface FieldProblem {
  field: string;
  message: string;
}

export function badUserInput(problems: FieldProblem[], details: Record<string, unknown> = {}): GatewayError {
  const message = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  return new GatewayError('BAD_USER_INPUT', message, { fields: problems, ...details });
}

export function notFound(): GatewayError {
  return new GatewayError('NOT_FOUND', 'No such animation.');
}

export function rateLimited(message: string, retryAfterSeconds: number): GatewayError {
  return new GatewayError('RATE_LIMITED', message, { retryAfter: retryAfterSeconds });
}

export function upstreamError(message: string, status: number | undefined): GatewayError {
  return new GatewayError('UPSTREAM_ERROR', message, status === undefined ? {} : { status });
}
