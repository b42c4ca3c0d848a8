// What every end-user page route needs: form and cookie parsing, CSRF protection
// (a cookie that must match a hidden field), security headers, HTML error pages.
import { randomBytes, timingSafeEqual } from 'node:crypto';
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

export const SESSION_COOKIE = 't1_session';
const CSRF_COOKIE = 't1_csrf';

export function secureCookies(ctx: PlatformContext): boolean {
  return ctx.publicUrl.startsWith('https:');
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

export async function installWebKit(app: FastifyInstance): Promise<void> {
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  await app.register(cookie);
  app.setErrorHandler(async (error: Error, request, reply) => {
    if (error instanceof HttpError) {
      reply.headers(error.headers);
      const title = error.code === 'rate_limited' ? 'Please wait a moment' : error.code === 'not_found' ? 'Page not found' : 'Something went wrong';
      return sendPage(request, reply, error.status, { title, body: html`<p>${error.message}</p>` });
    }
    if (isUniqueViolation(error)) {
      return sendPage(request, reply, 409, { title: 'Please try again', body: html`<p>The same thing was being done at the same moment. Go back and try again.</p>` });
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
  });
}

export function notFoundPage(request: FastifyRequest, reply: FastifyReply) {
  return sendPage(request, reply, 404, { title: 'Page not found', body: html`<p>There is no page at this address. Check the link you followed.</p>` });
}

export function sendPage(request: FastifyRequest, reply: FastifyReply, status: number, options: PageOptions) {
  const notice = options.notice ?? browserNotice(request.headers['user-agent']);
  return reply.status(status).type('text/html; charset=utf-8').send(layout({ ...options, notice }));
}

/** The CSRF value for a form, set as a cookie the first time. */
export function csrfToken(request: FastifyRequest, reply: FastifyReply, ctx: PlatformContext): string {
  const existing = request.cookies[CSRF_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{32,}$/.test(existing)) return existing;
  const token = randomBytes(24).toString('base64url');
  reply.setCookie(CSRF_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookies(ctx) });
  return token;
}

/** Refuses a form post whose hidden CSRF field does not match its cookie. */
export function checkCsrf(request: FastifyRequest): void {
  const cookieValue = request.cookies[CSRF_COOKIE] ?? '';
  const field = formField(request, 'csrf');
  const a = Buffer.from(cookieValue);
  const b = Buffer.from(field);
  if (a.length === 0 || a.length !== b.length || !timingSafeEqual(a, b)) {
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
