/** The closed set of error codes of the app; each maps to one HTTP status, in one place. */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * An error a caller can act on: a stable code, a message that says what to do, and the cause;
 * `retryAfterSeconds` (sent as `retry-after`) says when trying again may succeed.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | undefined;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** `{ error: { code, message } }`, the body of every API error. Unknown errors say nothing inside. */
export function errorBody(err: unknown): {
  status: number;
  body: { error: { code: ErrorCode; message: string } };
} {
  const e =
    err instanceof AppError ? err : new AppError('internal', 'internal error; the app log has the details');
  return { status: e.status, body: { error: { code: e.code, message: e.message } } };
}
