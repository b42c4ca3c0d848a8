// The platform's HTTP edge: the headers every answer carries, and the answers given
// before any route runs. Some requests never reach fastify: Node's parser refuses them
// (headers too large, Content-Length twice, broken chunking, a method that is not a
// token, bytes that are not HTTP), or they expect something Node does not do. Those get
// the same answers as the rest: the JSON error envelope under /v1, an HTML page elsewhere.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode, ErrorEnvelope } from '../../contract/errors.ts';
import { ERROR_STATUS } from '../../contract/errors.ts';
import type { PlatformContext } from '../context.ts';
import { html } from '../pages/html.ts';
import { layout } from '../pages/layout.ts';
import { REFUSED_MESSAGE } from '../log-format.ts';
import { isApiPath, sendError } from './error-handler.ts';
import { secureCookies, SECURITY_HEADERS, sendPage } from './web/kit.ts';

/** Longest URL (path and query) the platform reads; longer ones get 414. */
export const MAX_URL_BYTES = 8 * 1024;
/** Node's limit on the request line and headers together; beyond it, 431 (or 414 for the URL alone). */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Longest single path segment, such as a link token; longer ones get 414. */
export const MAX_PARAM_LENGTH = 500;

// Browsers remember for a year to use https only; sibling hosts are not the platform's
// to decide for, so no includeSubDomains.
const HSTS = 'max-age=31536000';

/** Headers on every answer, whichever way it is sent. */
export function edgeHeaders(ctx: PlatformContext, requestId: string): Record<string, string> {
  return {
    'x-request-id': requestId,
    'cache-control': 'no-store',
    ...SECURITY_HEADERS,
    ...(secureCookies(ctx) ? { 'strict-transport-security': HSTS } : {}),
  };
}

interface EdgeRefusal {
  code: ErrorCode;
  /** For API clients. */
  message: string;
  /** For people, on an HTML page. */
  page: { title: string; text: string };
}

// What a person is told of a request their browser sent damaged: nothing they can fix but a retry.
const UNREADABLE = { title: 'That did not work', text: 'The request could not be read. Go back and try again.' };

const REFUSALS = {
  badUrl: {
    code: 'bad_request',
    message: 'The URL is not valid (it must be UTF-8, with %-escapes of whole characters).',
    page: { title: 'This address does not work', text: 'The address is damaged. Copy the whole link again, or go back and try again.' },
  },
  uriTooLong: {
    code: 'uri_too_long',
    message: `The URL is too long: at most ${MAX_URL_BYTES} bytes, and ${MAX_PARAM_LENGTH} characters between two slashes.`,
    page: { title: 'This address is too long', text: 'The address is longer than any page of this site. Copy the link again from the email, without anything after it.' },
  },
  headersTooLarge: {
    code: 'headers_too_large',
    message: `The request headers are too large: at most ${MAX_HEADER_BYTES} bytes with the request line.`,
    page: { title: 'The request is too large', text: 'Your browser sent more than this site reads, usually too many cookies. Clear the cookies for this site and try again.' },
  },
  jsonCharset: {
    code: 'unsupported_media_type',
    message: 'Send JSON as UTF-8 (charset=utf-8 or no charset).',
    page: UNREADABLE,
  },
  missingHost: {
    code: 'bad_request',
    message: 'The request has no Host header.',
    page: UNREADABLE,
  },
  expectation: {
    code: 'expectation_failed',
    message: 'The Expect header asks for something the platform does not do; send the request without it (only "100-continue" is understood).',
    page: UNREADABLE,
  },
  timeout: {
    code: 'request_timeout',
    message: 'The request took too long to arrive; send it again.',
    page: { title: 'That took too long', text: 'The request took too long to arrive. Try again.' },
  },
  contentLength: {
    code: 'bad_request',
    message: 'The Content-Length header is not valid: sent twice, not a number, or next to Transfer-Encoding.',
    page: UNREADABLE,
  },
  chunking: {
    code: 'bad_request',
    message: 'The chunked request body is malformed.',
    page: UNREADABLE,
  },
  method: {
    code: 'bad_request',
    message: 'The request method is not valid.',
    page: UNREADABLE,
  },
  malformed: {
    code: 'bad_request',
    message: 'The request is not well-formed HTTP.',
    page: UNREADABLE,
  },
} satisfies Record<string, EdgeRefusal>;

/** Node's parser error codes (llhttp) and what to answer them with. */
const PARSER_REFUSALS: Record<string, EdgeRefusal> = {
  HPE_HEADER_OVERFLOW: REFUSALS.headersTooLarge,
  ERR_HTTP_REQUEST_TIMEOUT: REFUSALS.timeout,
  HPE_INVALID_METHOD: REFUSALS.method,
  HPE_INVALID_URL: REFUSALS.badUrl,
  HPE_UNEXPECTED_CONTENT_LENGTH: REFUSALS.contentLength,
  HPE_INVALID_CONTENT_LENGTH: REFUSALS.contentLength,
  HPE_INVALID_CHUNK_SIZE: REFUSALS.chunking,
  HPE_INVALID_TRANSFER_ENCODING: REFUSALS.chunking,
};

function refusalForParserError(code: string): EdgeRefusal {
  return PARSER_REFUSALS[code] ?? (code.startsWith('HPE_CHUNK_') ? REFUSALS.chunking : REFUSALS.malformed);
}

/** An answer from a route's context: the envelope under /v1, a page elsewhere. */
export function sendRefusal(ctx: PlatformContext, request: FastifyRequest, reply: FastifyReply, refusal: EdgeRefusal) {
  const status = ERROR_STATUS[refusal.code];
  reply.headers(edgeHeaders(ctx, String(request.id)));
  if (isApiPath(request.url)) return sendError(reply, request, status, { code: refusal.code, message: refusal.message });
  return sendPage(request, reply, status, { title: refusal.page.title, body: html`<p>${refusal.page.text}</p>` });
}

/** An answer built outside fastify, for a request that never became a fastify request. */
function rawAnswer(ctx: PlatformContext, refusal: EdgeRefusal, api: boolean, requestId = `req_${ctx.tokens.id()}`): { status: number; headers: Record<string, string>; body: string; requestId: string } {
  const status = ERROR_STATUS[refusal.code];
  const envelope: ErrorEnvelope = { error: { code: refusal.code, message: refusal.message, requestId } };
  const body = api
    ? JSON.stringify(envelope)
    : layout({ title: refusal.page.title, body: html`<p>${refusal.page.text}</p><p>Reference: ${requestId}</p>` });
  const headers: Record<string, string> = {
    'content-type': api ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    ...edgeHeaders(ctx, requestId),
    connection: 'close',
  };
  return { status, headers, body, requestId };
}

/** The answer as bytes for a bare socket. */
function httpText(answer: ReturnType<typeof rawAnswer>): string {
  const head = Object.entries(answer.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\n${head}\r\n${answer.body}`;
}

const REQUEST_LINE = /^\S+ (\S+)(?: |$)/;

/** The path of the request line at the start of what the parser choked on, when it is there. */
function requestPath(rawPacket: unknown): string | undefined {
  if (!Buffer.isBuffer(rawPacket)) return undefined;
  const start = rawPacket.subarray(0, MAX_URL_BYTES + 64).toString('latin1');
  return REQUEST_LINE.exec(start.split('\r\n', 1)[0]!)?.[1];
}

/** True when the packet starts with a request line that does not end within MAX_URL_BYTES. */
function requestLineTooLong(rawPacket: unknown): boolean {
  if (!Buffer.isBuffer(rawPacket) || !/^[A-Z]+ \//.test(rawPacket.subarray(0, 16).toString('latin1'))) return false;
  const end = rawPacket.indexOf('\r\n');
  return end === -1 ? rawPacket.length > MAX_URL_BYTES : end > MAX_URL_BYTES;
}

/**
 * Answers requests Node's parser refused, and `Expect` headers other than 100-continue.
 * Returns the handler for fastify's `clientErrorHandler`.
 */
export function installEdgeAnswers(app: FastifyInstance, ctx: PlatformContext): (error: Error & { code?: string; rawPacket?: unknown }, socket: Socket) => void {
  // A body can fail to parse after its request reached a route: that request's path and
  // response say how to answer (and whether an answer has already begun).
  const inFlight = new WeakMap<Socket, { id: string; api: boolean; response: ServerResponse }>();
  app.addHook('onRequest', async (request, reply) => {
    inFlight.set(request.raw.socket, { id: String(request.id), api: isApiPath(request.url), response: reply.raw });
  });

  const note = (requestId: string, status: number, reason: string) => app.log.info({ reqId: requestId, res: { statusCode: status }, reason }, REFUSED_MESSAGE);

  app.server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const answer = rawAnswer(ctx, REFUSALS.expectation, isApiPath(request.url ?? ''));
    note(answer.requestId, answer.status, 'expectation');
    response.writeHead(answer.status, answer.headers).end(answer.body);
  });

  return (error, socket) => {
    const code = error.code ?? '';
    if (code === 'ECONNRESET' || socket.destroyed) return;
    const current = inFlight.get(socket);
    // The failure is that request's when its answer has not gone out yet.
    const ofCurrent = current && !current.response.writableFinished ? current : undefined;
    if (!socket.writable || ofCurrent?.response.headersSent) {
      socket.destroy();
      return;
    }
    const path = ofCurrent ? undefined : requestPath(error.rawPacket);
    const api = ofCurrent?.api ?? (path !== undefined ? isApiPath(path) : true);
    const refusal = code === 'HPE_HEADER_OVERFLOW' && requestLineTooLong(error.rawPacket) ? REFUSALS.uriTooLong : refusalForParserError(code);
    const answer = rawAnswer(ctx, refusal, api, ofCurrent?.id);
    note(answer.requestId, answer.status, code || 'client_error');
    socket.end(httpText(answer));
  };
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/** Checks every request before its route: the URL's length, a Host header, JSON in UTF-8. */
export function installRequestChecks(app: FastifyInstance, ctx: PlatformContext): void {
  app.addHook('onRequest', async (request, reply) => {
    if (Buffer.byteLength(request.raw.url ?? '') > MAX_URL_BYTES) return sendRefusal(ctx, request, reply, REFUSALS.uriTooLong);
    if (request.raw.httpVersion === '1.1' && !request.headers.host) return sendRefusal(ctx, request, reply, REFUSALS.missingHost);
    const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset && charset !== 'utf-8' && charset !== 'utf8' && isApiPath(request.url)) return sendRefusal(ctx, request, reply, REFUSALS.jsonCharset);
  });
}

/** fastify's frameworkErrors: URLs the router cannot decode, path segments over the limit. */
export function frameworkErrorAnswer(ctx: PlatformContext) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const refusal = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? REFUSALS.uriTooLong : REFUSALS.badUrl;
    // These answers skip fastify's own completion line.
    request.log.info({ res: { statusCode: ERROR_STATUS[refusal.code] }, reason: error.code }, REFUSED_MESSAGE);
    void sendRefusal(ctx, request, reply, refusal);
  };
}
