// Errors PlatformClient throws. The CLI maps them to exit codes and one-line messages;
// method, url and the request ids feed --verbose output. Every error carries the
// X-Request-Id t1 sent (clientRequestId): when no answer came, or a proxy answered, it is
// the only id a platform operator can search their logs for.
import { z } from 'zod';
import { withoutControlCharacters } from './sanitize.ts';
import { BODY_TIMEOUT, CONNECT_TIMEOUT, HEADERS_TIMEOUT } from './http-transport.ts';

export interface ApiErrorInit {
  code: string;
  status: number;
  message: string;
  requestId: string | null;
  /** The X-Request-Id t1 sent with the request. */
  clientRequestId?: string | null | undefined;
  details?: Record<string, unknown> | undefined;
  method: string;
  url: string;
}

/** The platform answered, but not with success (or with a body t1 cannot read). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** Error code from the envelope (see contract/errors.ts), or `http_<status>`, or `bad_response`. */
  readonly code: string;
  readonly status: number;
  /** The platform's id for the request (from the error body or its x-request-id header). */
  readonly requestId: string | null;
  /** The X-Request-Id t1 sent. */
  readonly clientRequestId: string | null;
  readonly details: Record<string, unknown> | undefined;
  readonly method: string;
  readonly url: string;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.clientRequestId = init.clientRequestId ?? null;
    this.details = init.details;
    this.method = init.method;
    this.url = init.url;
  }
}

// Loose on purpose: a future server may add fields, and requestId may be missing from a
// proxy's imitation of the envelope.
const envelopeSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.string().nullish(),
    details: z.record(z.string(), z.unknown()).nullish(),
  }),
});

export interface FailedResponse {
  method: string;
  url: string;
  status: number;
  statusText: string;
  bodyText: string;
  /** The x-request-id response header, used when the body does not carry one. */
  headerRequestId: string | null;
  clientRequestId: string;
}

/**
 * Builds the ApiError for a non-2xx response, whether or not its body is the error envelope.
 * Its text is shown on the agent's terminal, so control characters are dropped here.
 */
export function apiErrorFromResponse(res: FailedResponse): ApiError {
  const envelope = envelopeSchema.safeParse(parseJson(res.bodyText));
  const headerRequestId = withoutControlCharacters(res.headerRequestId);
  if (envelope.success) {
    const { code, message, requestId, details } = withoutControlCharacters(envelope.data.error);
    return new ApiError({
      code,
      status: res.status,
      message,
      requestId: requestId ?? headerRequestId,
      clientRequestId: res.clientRequestId,
      details: details ?? undefined,
      method: res.method,
      url: res.url,
    });
  }
  // Typically an HTML page from a proxy or load balancer in front of the platform.
  const reason = res.statusText ? ` ${res.statusText}` : '';
  return new ApiError({
    code: `http_${res.status}`,
    status: res.status,
    message: `The platform answered HTTP ${res.status}${withoutControlCharacters(reason)} without an error description.`,
    requestId: headerRequestId,
    clientRequestId: res.clientRequestId,
    method: res.method,
    url: res.url,
  });
}

/** JSON.parse that answers undefined instead of throwing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface NetworkErrorInit {
  url: string;
  attempts: number;
  /** System or transport error code, e.g. ECONNREFUSED or T1_HEADERS_TIMEOUT. */
  code: string;
  cause: unknown;
  /** The X-Request-Id t1 sent (the same on every attempt). */
  clientRequestId?: string | null | undefined;
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed while sending',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  [CONNECT_TIMEOUT]: 'connection timed out',
  [HEADERS_TIMEOUT]: 'timed out waiting for a response',
  [BODY_TIMEOUT]: 'timed out reading the response',
};

/** The platform could not be reached, or did not answer in time, on any attempt. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  readonly url: string;
  readonly attempts: number;
  readonly code: string;
  /** Plain words for `code`, e.g. "connection refused". */
  readonly reason: string;
  /** The X-Request-Id t1 sent. */
  readonly clientRequestId: string | null;

  constructor(init: NetworkErrorInit) {
    const reason = networkReason(init.code, init.cause);
    const tries = init.attempts === 1 ? '1 attempt' : `${init.attempts} attempts`;
    super(`Could not reach the platform at ${new URL(init.url).origin} (${reason}) after ${tries}.`, {
      cause: init.cause,
    });
    this.url = init.url;
    this.attempts = init.attempts;
    this.code = init.code;
    this.reason = reason;
    this.clientRequestId = init.clientRequestId ?? null;
  }
}

/** Plain words for a network failure, for messages and retry notices. */
export function networkReason(code: string, cause: unknown): string {
  return REASONS[code] ?? (cause instanceof Error && cause.message ? cause.message : code);
}
