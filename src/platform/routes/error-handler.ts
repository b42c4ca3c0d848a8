// One place that turns every failure into the API error envelope. Expected failures
// keep their 4xx; only genuine faults become 500, and those are logged.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorEnvelope } from '../../contract/errors.ts';
import { HttpError } from '../http-error.ts';
import { notFoundPage, sendPageError } from './web/kit.ts';
import { isInvalidText, isUniqueViolation } from '../storage/errors.ts';

const FASTIFY_CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'bad_request', message: 'The request body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'bad_request', message: 'The request body is empty; send a JSON object.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'The request body is too large.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Send the request body as application/json.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request', message: 'The Content-Length header does not match the body.' },
};

/** The admin API and webhooks: everything else is a page for people. */
export function isApiPath(url: string): boolean {
  return url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?');
}

export function sendError(reply: FastifyReply, request: FastifyRequest, status: number, body: Omit<ErrorEnvelope['error'], 'requestId'>) {
  const envelope: ErrorEnvelope = { error: { ...body, requestId: String(request.id) } };
  return reply.status(status).type('application/json; charset=utf-8').send(envelope);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    // Requests for pages that matched no route (a body that failed to parse, say) fail here too.
    if (!isApiPath(request.url)) return sendPageError(error, request, reply);
    if (error instanceof HttpError) {
      reply.headers(error.headers);
      return sendError(reply, request, error.status, { code: error.code, message: error.message, details: error.details });
    }
    if (isUniqueViolation(error)) {
      return sendError(reply, request, 409, { code: 'conflict', message: 'This collided with the same change made at the same moment; try again.' });
    }
    if (isInvalidText(error)) {
      return sendError(reply, request, 400, { code: 'bad_request', message: 'The request holds characters that cannot be stored (such as a NUL character).' });
    }
    const known = error.code ? FASTIFY_CLIENT_ERRORS[error.code] : undefined;
    if (known) return sendError(reply, request, known.status, { code: known.code, message: known.message });
    if (error instanceof SyntaxError || (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)) {
      return sendError(reply, request, error.statusCode ?? 400, { code: 'bad_request', message: error.message });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, request, 500, {
      code: 'internal',
      message: 'The platform failed to handle this request. Try again; if it keeps failing, report the request id.',
    });
  });

  app.setNotFoundHandler((request, reply) =>
    isApiPath(request.url)
      ? sendError(reply, request, 404, { code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}.` })
      : notFoundPage(request, reply),
  );
}
