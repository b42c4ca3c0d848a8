// Error codes of the platform API. Both sides switch on these, never on messages.

export const ERROR_CODES = [
  'bad_request',
  'validation_failed',
  'invalid_cursor',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'request_timeout',
  'uri_too_long',
  'unsupported_media_type',
  'expectation_failed',
  'headers_too_large',
  'rate_limited',
  'internal',
  'unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldError {
  /** Dotted path of the offending field, e.g. "limit" or "body.name". */
  field: string;
  message: string;
}

export interface ErrorBody {
  code: ErrorCode | (string & {});
  message: string;
  requestId: string;
  details?: { fields?: FieldError[]; requiredRole?: string; [key: string]: unknown };
}

export interface ErrorEnvelope {
  error: ErrorBody;
}

/** The HTTP status each code is sent with. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 422,
  invalid_cursor: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  request_timeout: 408,
  uri_too_long: 414,
  unsupported_media_type: 415,
  expectation_failed: 417,
  headers_too_large: 431,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};
