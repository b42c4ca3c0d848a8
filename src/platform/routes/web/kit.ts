// What every end-user page route needs: form and cookie parsing, CSRF protection,
// security headers, HTML error pages.
//
// CSRF is the signed double-submit kind. A cookie holds a random visitor id; each form
// carries an HMAC, under the platform's secret key, of that id and the visitor's session
// cookie. Another site can neither read the value nor make one, a value taken before
// signing in stops working once the visitor signs in, and over https the cookie is
// `__Host-` prefixed (Secure, Path=/, no Domain), so no sibling host can plant its own.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import type { PlatformContext } from '../../context.ts';
import { HttpError } from '../../http-error.ts';
import { html } from '../../pages/html.ts';
import { layout, type PageOptions } from '../../pages/layout.ts';
import { browserNotice } from '../../pages/browser-support.ts';
import { isInvalidText, isUniqueViolation } from '../../storage/errors.ts';
import { withOrigin } from '../../context.ts';
import { requestOrigin } from '../../activity/origin.ts';
import type { ActivityCause } from '../../../contract/activity.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The platform the end-user pages belong to; set on their scope by installWebKit. */
    pagesContext?: PlatformContext;
  }
}

export const SESSION_COOKIE = 't1_session';
const CSRF_PURPOSE = 'csrf';
const VISITOR_ID = /^[A-Za-z0-9_-]{32,100}$/;

export function secureCookies(ctx: PlatformContext): boolean {
  return ctx.publicUrl.startsWith('https:');
}

/** Browsers take a `__Host-` cookie only from https, so plain http keeps a plain name. */
export function csrfCookieName(ctx: PlatformContext): string {
  return secureCookies(ctx) ? '__Host-t1_csrf' : 't1_csrf';
}

export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Links carry tokens in their path; no page may leak its URL to another site.
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

export async function installWebKit(app: FastifyInstance, ctx: PlatformContext): Promise<void> {
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  await app.register(cookie);
  // Pages take their own forms only: a JSON or text body is refused (415), never read.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.decorate('pagesContext', ctx);
  app.setErrorHandler(sendPageError);
}

/** Every failure on a page, as a page: 4xx with what to do, 500 with a reference. */
export async function sendPageError(error: Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpError) {
    reply.headers(error.headers);
    const title = error.code === 'rate_limited' ? 'Please wait a moment' : error.code === 'not_found' ? 'Page not found' : 'Something went wrong';
    return sendPage(request, reply, error.status, { title, body: html`<p>${error.message}</p>` });
  }
  if (isUniqueViolation(error)) {
    return sendPage(request, reply, 409, { title: 'Please try again', body: html`<p>The same thing was being done at the same moment. Go back and try again.</p>` });
  }
  if ((error as { code?: string }).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return sendPage(request, reply, 415, { title: 'That did not work', body: html`<p>This page takes its own form only. Go back, reload the page and send the form from there.</p>` });
  }
  const status = isInvalidText(error) ? 400 : (error as { statusCode?: number }).statusCode;
  if (status && status >= 400 && status < 500) {
    return sendPage(request, reply, status, { title: 'That did not work', body: html`<p>The request could not be read. Go back and try again.</p>` });
  }
  request.log.error({ err: error }, 'page failed');
  return sendPage(request, reply, 500, {
    title: 'Something went wrong',
    body: html`<p>The page failed on our side. Try again in a moment; if it keeps happening, contact the event's support team and mention reference ${String(request.id)}.</p>`,
  });
}

export function notFoundPage(request: FastifyRequest, reply: FastifyReply) {
  return sendPage(request, reply, 404, { title: 'Page not found', body: html`<p>There is no page at this address. Check the link you followed.</p>` });
}

export function sendPage(request: FastifyRequest, reply: FastifyReply, status: number, options: PageOptions) {
  const notice = options.notice ?? browserNotice(request.headers['user-agent']);
  return reply.status(status).type('text/html; charset=utf-8').send(layout({ ...options, notice }));
}

function csrfValue(ctx: PlatformContext, request: FastifyRequest, visitor: string): string {
  return ctx.secrets.sign(CSRF_PURPOSE, `${visitor}\n${request.cookies[SESSION_COOKIE] ?? ''}`);
}

/** The CSRF value for a form; the visitor id cookie is set the first time. */
export function csrfToken(request: FastifyRequest, reply: FastifyReply, ctx: PlatformContext): string {
  const name = csrfCookieName(ctx);
  let visitor = request.cookies[name];
  if (!visitor || !VISITOR_ID.test(visitor)) {
    visitor = ctx.tokens.secret();
    reply.setCookie(name, visitor, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookies(ctx) });
    // A second form on the same page signs the same id.
    request.cookies[name] = visitor;
  }
  return csrfValue(ctx, request, visitor);
}

/** Refuses a form post whose hidden CSRF field is not the value for its visitor and session. */
export function checkCsrf(request: FastifyRequest): void {
  const ctx = request.server.pagesContext;
  if (!ctx) throw new Error('checkCsrf runs on the end-user pages only.');
  const visitor = request.cookies[csrfCookieName(ctx)] ?? '';
  const expected = Buffer.from(VISITOR_ID.test(visitor) ? csrfValue(ctx, request, visitor) : '');
  const given = Buffer.from(formField(request, 'csrf', 200));
  if (expected.length === 0 || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new HttpError('forbidden', 'This form has expired or was sent from another site. Go back, reload the page and try again.');
  }
}

/** A text field of a posted form, trimmed and bounded; absent fields are empty. */
export function formField(request: FastifyRequest, name: string, maxLength = 1000): string {
  const body = request.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  const text = Array.isArray(value) ? value[0] : value;
  return typeof text === 'string' ? text.slice(0, maxLength) : '';
}

export function setSessionCookie(reply: FastifyReply, ctx: PlatformContext, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookies(ctx), maxAge: 12 * 3600 });
}

/** The context for work done on a visitor's request, naming what it leads to. */
export function forRequest(ctx: PlatformContext, request: FastifyRequest, cause: ActivityCause = 'system'): PlatformContext {
  return withOrigin(ctx, requestOrigin(request, cause));
}
