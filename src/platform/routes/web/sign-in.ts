// Signing in to an event's site (password, then a 2FA code when needed; or a login link
// by email on login-link events), and the event site itself: "coming soon" before the
// start, the site while it is live (the first visit counts as attendance), and a
// closing note after the end.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PlatformContext } from '../../context.ts';
import { html } from '../../pages/html.ts';
import { errorSummary, field, form, type FieldErrors } from '../../pages/forms.ts';
import type { EventRow } from '../../storage/schema.ts';
import { issueLink } from '../../services/link-tokens.ts';
import { notifyPerson } from '../../services/notify.ts';
import { enforceRateLimit, type RateLimit } from '../../services/rate-limit.ts';
import { moveStage, organisationOf } from '../../services/registration-state.ts';
import { passwordSignIn, secondFactorSignIn, challengeRow, challengeMethod, textSignInCode, type SignInOutcome } from '../../services/user-sign-in.ts';
import type { SmsCodeRefusal } from '../../services/sms-mfa.ts';
import type { TokenRow } from '../../storage/schema.ts';
import { eventPhase } from '../../services/views.ts';
import { endWebSession, sessionUser } from '../../services/web-session.ts';
import { formatDateTime } from '../../mail/templates.ts';
import { HttpError } from '../../http-error.ts';
import { checkCsrf, csrfToken, formField, forRequest, secureCookies, sendPage, SESSION_COOKIE, setSessionCookie } from './kit.ts';
import { noteRateLimited, recordActivity } from '../../activity/record.ts';
import { displayEmail, emailLookupKey } from '../../../contract/email-address.ts';

const CHALLENGE_COOKIE = 't1_challenge';
// Where a sign-in lands when it was asked for by a page that needs one (only our own pages).
const RETURN_COOKIE = 't1_return';
const RETURN_PAGES: Record<string, string> = { account: 'account' };
const LOGIN_LINK_PER_IP: RateLimit = { name: 'login-link-ip', max: 20, windowSeconds: 3600 };
const LOGIN_LINK_PER_ACCOUNT: RateLimit = { name: 'login-link-account', max: 5, windowSeconds: 3600 };

export async function eventBySlug(ctx: PlatformContext, request: FastifyRequest): Promise<EventRow> {
  const slug = String((request.params as { slug?: string }).slug ?? '').toLowerCase().slice(0, 100);
  const event = await ctx.db.selectFrom('events').selectAll().where('slug', '=', slug).executeTakeFirst();
  if (!event) throw new HttpError('not_found', 'There is no event at this address. Check the link you followed.');
  return event;
}

function signInForm(request: FastifyRequest, reply: FastifyReply, ctx: PlatformContext, event: EventRow, values: { email?: string; errors?: FieldErrors; message?: string } = {}) {
  const csrf = csrfToken(request, reply, ctx);
  const message = values.message ? html`<div class="error-summary" role="alert"><p>${values.message}</p></div>` : '';
  if (event.login_method === 'magic_link') {
    return html`${message}<p>Enter the email address you registered with and we will email you a login link.</p>
${form(`/e/${event.slug}/login-link`, csrf, field({ name: 'email', label: 'Email address', type: 'email', required: true, autocomplete: 'email', value: values.email, errors: values.errors }), 'Email me a login link')}
<p><a href="/e/${event.slug}/register">Not registered yet? Register</a></p>`;
  }
  return html`${message}${errorSummary(values.errors)}
${form(
  `/e/${event.slug}/login`,
  csrf,
  html`${field({ name: 'email', label: 'Email address', type: 'email', required: true, autocomplete: 'username', value: values.email, errors: values.errors })}
${field({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password', errors: values.errors })}`,
  'Sign in',
)}
<p><a href="/e/${event.slug}/forgot-password">Forgot your password?</a></p>
<p><a href="/e/${event.slug}/activate">Did not get the activation email?</a></p>
<p><a href="/e/${event.slug}/register">Not registered yet? Register</a></p>`;
}

/** Sends the visitor back to their account page once they have signed in. */
export function rememberReturnToAccount(reply: FastifyReply, ctx: PlatformContext, event: EventRow): void {
  reply.setCookie(RETURN_COOKIE, 'account', { path: `/e/${event.slug}`, httpOnly: true, sameSite: 'lax', secure: secureCookies(ctx), maxAge: 600 });
}

function afterSignInPath(request: FastifyRequest, reply: FastifyReply, event: EventRow): string {
  const page = request.cookies[RETURN_COOKIE];
  if (page === undefined) return `/e/${event.slug}`;
  reply.clearCookie(RETURN_COOKIE, { path: `/e/${event.slug}` });
  return Object.hasOwn(RETURN_PAGES, page) ? `/e/${event.slug}/${RETURN_PAGES[page]}` : `/e/${event.slug}`;
}

const TEXTED_CODE_ERRORS: Record<SmsCodeRefusal, string> = {
  wrong_code: 'That code is not right. Check the text message, or use a recovery code.',
  no_code: 'No code was texted for this sign-in yet. Press "Text me a new code".',
  used: 'That code was already used. Press "Text me a new code" for another one.',
  expired: 'That code has expired. Press "Text me a new code" for a fresh one.',
  limited: 'Too many tries for this code. Press "Text me a new code", or use a recovery code.',
};

function textedCodeForm(request: FastifyRequest, reply: FastifyReply, ctx: PlatformContext, event: EventRow, maskedPhone: string, messages: { error?: string; notice?: string } = {}) {
  const errors = messages.error ? { code: messages.error } : undefined;
  const csrf = csrfToken(request, reply, ctx);
  return html`${messages.notice ? html`<div class="notice" role="status"><p>${messages.notice}</p></div>` : ''}${errorSummary(errors)}
<p>We texted a 6-digit code to <span class="phone">${maskedPhone}</span>. Enter it to finish signing in; it works once, for 5 minutes.</p>
${form(`/e/${event.slug}/login/code`, csrf, field({ name: 'code', label: 'Authentication code', required: true, autocomplete: 'one-time-code', inputmode: 'numeric', errors }), 'Sign in')}
${form(`/e/${event.slug}/login/code/resend`, csrf, html``, 'Text me a new code')}
<p>No phone at hand? Enter one of your recovery codes in the same field instead; each works once.</p>`;
}

/** The code step for the challenge's person: their app's code, or a texted one. */
async function codeStep(request: FastifyRequest, reply: FastifyReply, ctx: PlatformContext, event: EventRow, row: TokenRow, status: number, messages: { error?: string; notice?: string } = {}) {
  const method = await challengeMethod(ctx, row);
  const body = method.method === 'sms' ? textedCodeForm(request, reply, ctx, event, method.maskedPhone, messages) : codeForm(request, reply, ctx, event, messages.error);
  return sendPage(request, reply, status, { title: 'Two-factor authentication', context: event.title, body });
}

/** Texts a code, or says when to ask again if too many were sent. */
async function textCode(ctx: PlatformContext, row: TokenRow, whenOpened: boolean): Promise<{ sent: boolean; limited?: string }> {
  try {
    return { sent: (await textSignInCode(ctx, row, whenOpened)) !== null };
  } catch (error) {
    if (error instanceof HttpError && error.code === 'rate_limited') return { sent: false, limited: error.message };
    throw error;
  }
}

function codeForm(request: FastifyRequest, reply: FastifyReply, ctx: PlatformContext, event: EventRow, error?: string) {
  const errors = error ? { code: error } : undefined;
  return html`${errorSummary(errors)}
<p>Open your authenticator app and enter the 6-digit code it shows for this account.</p>
${form(`/e/${event.slug}/login/code`, csrfToken(request, reply, ctx), field({ name: 'code', label: 'Authentication code', required: true, autocomplete: 'one-time-code', errors }), 'Sign in')}
<p>Lost your phone? Enter one of your recovery codes in the same field instead; each works once.</p>`;
}

/**
 * Where a sign-in goes once its first factor (password or login link) is settled: the
 * code step, an enrollment, the event site, or back to the form saying why not.
 */
export function continueSignIn(request: FastifyRequest, reply: FastifyReply, ctx: PlatformContext, event: EventRow, outcome: SignInOutcome, email = '') {
  const show = (status: number, message: string) =>
    sendPage(request, reply, status, { title: 'Sign in', context: event.title, body: signInForm(request, reply, ctx, event, { email, message }) });
  switch (outcome.kind) {
    case 'invalid':
      return show(401, 'The email or password is not correct. Check both and try again.');
    case 'locked':
      return show(
        423,
        `This account is locked after too many failed sign-ins, until ${formatDateTime(outcome.until, event.timezone)}. Wait, reset your password, or ask the event's support team to unlock it.`,
      );
    case 'not_registered':
      return show(403, 'This email address is not registered for this event. Register first.');
    case 'shut_out':
      return show(403, "You can't sign in to this event. Contact the organiser if you think this is wrong.");
    case 'unverified':
      return show(403, 'Confirm your email address first: use the link in the "verify your account" email, or ask for a new one from the activation page.');
    case 'mfa_enroll':
      return reply.redirect(outcome.enrollmentPath, 303);
    case 'mfa_code':
      reply.setCookie(CHALLENGE_COOKIE, outcome.challenge, { path: `/e/${event.slug}`, httpOnly: true, sameSite: 'lax', secure: secureCookies(ctx), maxAge: 600 });
      return reply.redirect(`/e/${event.slug}/login/code`, 303);
    case 'signed_in':
      setSessionCookie(reply, ctx, outcome.session);
      return reply.redirect(afterSignInPath(request, reply, event), 303);
  }
}

export function signInRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.get('/e/:slug/login', async (request, reply) => {
    const event = await eventBySlug(ctx, request);
    const user = await sessionUser(ctx.db, ctx, request.cookies[SESSION_COOKIE]);
    if (user && user.org_id === event.org_id) return reply.redirect(`/e/${event.slug}`, 303);
    return sendPage(request, reply, 200, { title: 'Sign in', context: event.title, body: signInForm(request, reply, ctx, event) });
  });

  app.post('/e/:slug/login', async (request, reply) => {
    checkCsrf(request);
    const event = await eventBySlug(ctx, request);
    const email = formField(request, 'email', 254);
    const password = formField(request, 'password', 1024);
    if (!email || !password) {
      const errors: FieldErrors = {};
      if (!email) errors.email = 'Enter your email address.';
      if (!password) errors.password = 'Enter your password.';
      return sendPage(request, reply, 422, { title: 'Sign in', context: event.title, body: signInForm(request, reply, ctx, event, { email, errors }) });
    }
    const outcome = await passwordSignIn(forRequest(ctx, request, 'sign_in'), { event, email, password, ip: request.ip });
    return continueSignIn(request, reply, ctx, event, outcome, email);
  });

  app.get('/e/:slug/login/code', async (request, reply) => {
    const event = await eventBySlug(ctx, request);
    const row = await challengeRow(ctx, request.cookies[CHALLENGE_COOKIE]);
    if (!row) return reply.redirect(`/e/${event.slug}/login`, 303);
    // A person who uses SMS gets their code when the step opens.
    if ((await challengeMethod(ctx, row)).method === 'sms') {
      const texted = await textCode(forRequest(ctx, request, 'sign_in'), row, true);
      if (texted.limited) return codeStep(request, reply, ctx, event, row, 429, { error: texted.limited });
    }
    return codeStep(request, reply, ctx, event, row, 200);
  });

  app.post('/e/:slug/login/code/resend', async (request, reply) => {
    checkCsrf(request);
    const event = await eventBySlug(ctx, request);
    const row = await challengeRow(ctx, request.cookies[CHALLENGE_COOKIE]);
    if (!row) return reply.redirect(`/e/${event.slug}/login`, 303);
    if ((await challengeMethod(ctx, row)).method !== 'sms') return codeStep(request, reply, ctx, event, row, 200);
    const texted = await textCode(forRequest(ctx, request, 'sign_in'), row, false);
    if (texted.limited) return codeStep(request, reply, ctx, event, row, 429, { error: texted.limited });
    return codeStep(request, reply, ctx, event, row, 200, { notice: 'We texted you a new code. Only the newest code works.' });
  });

  app.post('/e/:slug/login/code', async (request, reply) => {
    checkCsrf(request);
    const event = await eventBySlug(ctx, request);
    const outcome = await secondFactorSignIn(forRequest(ctx, request, 'sign_in'), request.cookies[CHALLENGE_COOKIE], formField(request, 'code', 64));
    if (outcome.kind === 'expired') return reply.redirect(`/e/${event.slug}/login`, 303);
    if (outcome.kind === 'invalid') {
      const row = await challengeRow(ctx, request.cookies[CHALLENGE_COOKIE]);
      if (row && (await challengeMethod(ctx, row)).method === 'sms') {
        return codeStep(request, reply, ctx, event, row, 401, { error: TEXTED_CODE_ERRORS[outcome.textedCode ?? 'wrong_code'] });
      }
    }
    if (outcome.kind === 'invalid') {
      return sendPage(request, reply, 401, {
        title: 'Two-factor authentication',
        context: event.title,
        body: codeForm(request, reply, ctx, event, 'That code is not valid or was already used. Wait for the next code in your app, or use a recovery code.'),
      });
    }
    reply.clearCookie(CHALLENGE_COOKIE, { path: `/e/${event.slug}` });
    // Codes count toward the sign-in lock: a locked account is told so, as on the password step.
    if (outcome.kind === 'locked') return continueSignIn(request, reply, ctx, event, outcome);
    setSessionCookie(reply, ctx, outcome.session);
    return reply.redirect(afterSignInPath(request, reply, event), 303);
  });

  app.post('/e/:slug/login-link', async (request, reply) => {
    checkCsrf(request);
    const event = await eventBySlug(ctx, request);
    const typed = formField(request, 'email', 254);
    if (!typed.trim()) {
      return sendPage(request, reply, 422, { title: 'Sign in', context: event.title, body: signInForm(request, reply, ctx, event, { errors: { email: 'Enter your email address.' } }) });
    }
    const rctx = forRequest(ctx, request, 'login_link_page');
    // An address that breaks the address rule finds nobody, like one nobody has.
    const email = emailLookupKey(typed);
    const limited = { orgId: event.org_id, email: typed, eventId: event.id, kind: 'link.refused' as const, detail: { linkKind: 'magic_link' } };
    await noteRateLimited(ctx.db, rctx, limited, () => enforceRateLimit(ctx.db, ctx.clock, LOGIN_LINK_PER_IP, request.ip, 'login link requests from this address'));
    await noteRateLimited(ctx.db, rctx, limited, () => enforceRateLimit(ctx.db, ctx.clock, LOGIN_LINK_PER_ACCOUNT, email, 'login link requests for this email address'));
    await ctx.db.transaction().execute(async (trx) => {
      const user = await trx.selectFrom('users').selectAll().where('org_id', '=', event.org_id).where('email', '=', email).executeTakeFirst();
      if (!user || user.blocked === 1) return;
      const registration = await trx.selectFrom('registrations').select('status').where('user_id', '=', user.id).where('event_id', '=', event.id).executeTakeFirst();
      if (!registration || registration.status === 'blocked' || registration.status === 'unregistered') return;
      const org = await organisationOf(trx, user.org_id);
      const link = await issueLink(trx, rctx, { kind: 'magic_link', orgId: user.org_id, userId: user.id, eventId: event.id, ttlMinutes: event.magic_link_ttl_minutes, createdBy: 'self-service' });
      await notifyPerson(trx, rctx, { orgName: org.name, user, event, template: 'login_link', actionUrl: link.url, expiresAt: link.expiresAt });
    });
    ctx.mail.wake();
    return sendPage(request, reply, 200, {
      title: 'Check your inbox',
      context: event.title,
      body: html`<p>If ${displayEmail(typed)} is registered for ${event.title}, a login link is on its way. It works once; look in spam, junk or promotions folders too.</p>`,
    });
  });

  app.post('/e/:slug/logout', async (request, reply) => {
    checkCsrf(request);
    const event = await eventBySlug(ctx, request);
    await endWebSession(ctx.db, ctx, request.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect(`/e/${event.slug}/login`, 303);
  });

  app.get('/e/:slug', async (request, reply) => {
    const event = await eventBySlug(ctx, request);
    const user = await sessionUser(ctx.db, ctx, request.cookies[SESSION_COOKIE]);
    if (!user || user.org_id !== event.org_id) {
      // Visitors (such as people following an invitation) land on the event's front page.
      const open = event.registration_open === 1 && eventPhase(event, ctx.clock.now()) !== 'ended';
      return sendPage(request, reply, 200, {
        title: event.title,
        body: html`<p>${formatDateTime(event.starts_at, event.timezone)} to ${formatDateTime(event.ends_at, event.timezone)}</p>
${open ? html`<a class="button" href="/e/${event.slug}/register">Register</a> ` : html`<p>Registration is closed.</p>`}
<p><a href="/e/${event.slug}/login">Already registered? Sign in</a></p>`,
      });
    }
    const registration = await ctx.db.selectFrom('registrations').selectAll().where('user_id', '=', user.id).where('event_id', '=', event.id).executeTakeFirst();
    if (!registration || registration.status === 'unregistered' || registration.status === 'blocked' || user.blocked === 1) {
      return sendPage(request, reply, 403, { title: 'No access to this event', context: event.title, body: html`<p>You are not registered for ${event.title}. <a href="/e/${event.slug}/register">Register here</a>.</p>` });
    }
    const phase = eventPhase(event, ctx.clock.now());
    const logout = html`<p><a href="/e/${event.slug}/account">Your account and two-factor authentication</a></p>${form(`/e/${event.slug}/logout`, csrfToken(request, reply, ctx), html``, 'Sign out')}`;
    const visit = { orgId: event.org_id, userId: user.id, eventId: event.id };
    if (phase === 'upcoming') {
      await recordActivity(ctx.db, forRequest(ctx, request), { ...visit, kind: 'visit.coming_soon', detail: { startsAt: event.starts_at } });
      return sendPage(request, reply, 200, {
        title: 'Coming soon',
        context: event.title,
        body: html`<p>You are all set for ${event.title}. The event starts on <strong>${formatDateTime(event.starts_at, event.timezone)}</strong>. Come back then: this page turns into the event site.</p>${logout}`,
      });
    }
    if (phase === 'ended') {
      return sendPage(request, reply, 200, { title: 'This event has ended', context: event.title, body: html`<p>${event.title} ended on ${formatDateTime(event.ends_at, event.timezone)}. Thank you for your interest.</p>${logout}` });
    }
    if (registration.status === 'registered' || registration.status === 'invited') {
      const now = ctx.clock.now().toISOString();
      await ctx.db.transaction().execute(async (trx) => {
        const first = await trx.updateTable('registrations').set({ attended_at: now }).where('id', '=', registration.id).where('attended_at', 'is', null).executeTakeFirst();
        await moveStage(trx, ctx.clock, { userId: user.id, eventId: event.id, from: ['verified', 'login_link_sent', 'pending_verification', 'password_not_set', 'invite_sent'], to: { status: 'attended', stage: 'joined' } });
        if (Number(first.numUpdatedRows) === 1) await recordActivity(trx, forRequest(ctx, request), { ...visit, kind: 'visit.first' });
      });
    }
    return sendPage(request, reply, 200, {
      title: event.title,
      context: 'Live now',
      body: html`<p>Welcome, ${user.first_name}. The event is live until ${formatDateTime(event.ends_at, event.timezone)}.</p>
<h2>Agenda</h2><ul><li>Opening keynote</li><li>Breakout sessions</li><li>Closing remarks</li></ul>${registration.status === 'blocked_from_chat' ? html`<p>Chat is turned off for your account.</p>` : ''}${logout}`,
    });
  });
}
