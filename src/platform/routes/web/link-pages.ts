// The pages emailed links lead to. Opening a link (GET) only shows a button or a form;
// the POST uses the link up, so mail scanners that open links cannot burn them. A dead
// link (expired, used, replaced) explains itself and offers a new one by email.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import type { PlatformContext } from '../../context.ts';
import { html, trusted, type SafeHtml } from '../../pages/html.ts';
import { errorSummary, field, form, type FieldErrors } from '../../pages/forms.ts';
import type { Db } from '../../storage/database.ts';
import type { EventRow, TokenRow, UserRow } from '../../storage/schema.ts';
import { consumeLink, inspectLink, issueLink, LINK_PATHS, noteLinkRefused, noteLinkVisit, type LinkKind, type LinkState } from '../../services/link-tokens.ts';
import { enableEnrollment, enrollmentSecret, enrollmentStep, ENROLLMENT_LINK_MINUTES } from '../../services/mfa.ts';
import { notifyPerson, signInUrl } from '../../services/notify.ts';
import { completePasswordLink, policyForLink, RESET_LINK_MINUTES } from '../../services/password.ts';
import { passwordProblem } from '../../services/password-policy.ts';
import { enforceRateLimit, type RateLimit } from '../../services/rate-limit.ts';
import { moveStage, organisationOf } from '../../services/registration-state.ts';
import { formatSetupKey, newTotpSecret, otpauthUri } from '../../services/totp.ts';
import { markEmailVerified } from '../../services/verification.ts';
import { checkCsrf, csrfToken, formField, forRequest, sendPage } from './kit.ts';
import { continueSignIn } from './sign-in.ts';
import { afterFirstFactor, noteSignInOutcome } from '../../services/user-sign-in.ts';
import { recordActivity } from '../../activity/record.ts';
import { displayEmail, emailLookupKey } from '../../../contract/email-address.ts';
import { formatDateTime, type TemplateName } from '../../mail/templates.ts';

const RENEW_PER_IP: RateLimit = { name: 'renew-link-ip', max: 20, windowSeconds: 3600 };
const RENEW_PER_ACCOUNT: RateLimit = { name: 'renew-link-account', max: 5, windowSeconds: 3600 };

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{20,100}$/;

const DEAD_EXPLANATIONS: Record<Exclude<LinkState, 'valid' | 'unknown'>, string> = {
  used: 'Each link works only once.',
  expired: 'Links stop working after a while to keep your account safe.',
  replaced: 'Only the newest link we sent works.',
  revoked: 'It stopped working because your account changed after it was sent (for example, two-factor authentication was reset).',
};

const DEAD_TITLES: Record<Exclude<LinkState, 'valid'>, string> = {
  expired: 'This link has expired',
  used: 'This link was already used',
  replaced: 'A newer link replaced this one',
  revoked: 'This link was withdrawn',
  unknown: 'This link is not valid',
};

const RENEWAL_TEMPLATES: Record<LinkKind, TemplateName> = {
  verify_email: 'verify_account',
  magic_link: 'login_link',
  set_password: 'set_password',
  reset_password: 'password_reset',
  mfa_enroll: 'mfa_enrollment',
};

async function linkContext(db: Db, row: TokenRow): Promise<{ user: UserRow; event: EventRow | null }> {
  const user = await db.selectFrom('users').selectAll().where('id', '=', row.user_id!).executeTakeFirstOrThrow();
  const event = row.event_id ? ((await db.selectFrom('events').selectAll().where('id', '=', row.event_id).executeTakeFirst()) ?? null) : null;
  return { user, event };
}

// Links pasted from an email often bring the sentence's punctuation along ("<link>.",
// "(<link>)"). Tokens never hold those characters, so dropping them from the end loses
// nothing: the rest must still be the whole token.
const TRAILING_PUNCTUATION = /[^A-Za-z0-9_-]+$/;

function tokenParam(request: FastifyRequest): string {
  const token = ((request.params as { token?: string }).token ?? '').replace(TRAILING_PUNCTUATION, '');
  return TOKEN_PATTERN.test(token) ? token : '';
}

/** Records the refusal of the link (its row, when it exists), then explains it and offers a new one. */
async function refuseLink(request: FastifyRequest, reply: FastifyReply, ctx: PlatformContext, kind: LinkKind, dead: { state: LinkState; row?: TokenRow }, token: string) {
  const { state, row } = dead;
  await noteLinkRefused(ctx.db, forRequest(ctx, request), kind, row, state);
  return deadLinkPage(request, reply, ctx, kind, state, token);
}

function deadLinkPage(request: FastifyRequest, reply: FastifyReply, ctx: PlatformContext, kind: LinkKind, state: LinkState, token: string) {
  const csrf = csrfToken(request, reply, ctx);
  const dead = state === 'valid' ? 'unknown' : state;
  const body =
    dead === 'unknown'
      ? html`<p>The link is incomplete or was never issued. Copy the whole link from the email, or ask the event's support team for a new one.</p>`
      : html`<p>${DEAD_EXPLANATIONS[dead]} Enter your email address and we will send you a new one.</p>
${form('/links/renew', csrf, html`<input type="hidden" name="kind" value="${kind}"><input type="hidden" name="token" value="${token}">${field({ name: 'email', label: 'Email address', type: 'email', required: true, autocomplete: 'email' })}`, 'Send me a new link')}`;
  return sendPage(request, reply, 410, { title: DEAD_TITLES[dead], body });
}

/** Shows the page for a live link, or the dead-link page. */
async function withLiveLink(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: PlatformContext,
  kind: LinkKind,
  show: (row: TokenRow, token: string) => Promise<unknown>,
) {
  const token = tokenParam(request);
  const { row, state } = token ? await inspectLink(ctx.db, ctx.clock, kind, token) : { row: undefined, state: 'unknown' as const };
  if (state !== 'valid' || !row) return refuseLink(request, reply, ctx, kind, { state, row }, token);
  await noteLinkVisit(ctx.db, forRequest(ctx, request), row, 'link.opened');
  return show(row, token);
}

function passwordForm(action: string, csrf: string, minLength: number, errors?: FieldErrors): SafeHtml {
  return html`${errorSummary(errors)}
<p>Use at least ${minLength} characters. Avoid common passwords and your email address.</p>
${form(
  action,
  csrf,
  html`${field({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password', errors })}
${field({ name: 'confirmation', label: 'Repeat password', type: 'password', required: true, autocomplete: 'new-password', errors })}`,
  'Set password',
)}`;
}

async function enrollmentBody(ctx: PlatformContext, row: TokenRow, user: UserRow, action: string, csrf: string, error?: string): Promise<SafeHtml> {
  const secret = enrollmentSecret(ctx, row);
  const org = await organisationOf(ctx.db, user.org_id);
  const uri = otpauthUri(secret, org.name, user.email);
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  const errors = error ? { code: error } : undefined;
  return html`<p>Two-factor authentication protects your account with a code from an authenticator app (for example Google Authenticator, Microsoft Authenticator or Authy).</p>
<ol>
<li>Open the authenticator app on your phone and add an account.</li>
<li>Scan this QR code:<div class="qr" role="img" aria-label="QR code to scan with your authenticator app">${trusted(svg)}</div>
Can't scan it? Type this setup key instead: <span class="setup-key" id="setup-key">${formatSetupKey(secret)}</span></li>
<li>Enter the 6-digit code the app shows.</li>
</ol>
${errorSummary(errors)}
${form(action, csrf, field({ name: 'code', label: '6-digit code', required: true, autocomplete: 'one-time-code', inputmode: 'numeric', errors }), 'Turn on two-factor authentication')}
<p>This page works until ${formatDateTime(row.expires_at!)}.</p>`;
}

export function linkPageRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  // ---- Email verification --------------------------------------------------------
  app.get(`${LINK_PATHS.verify_email}/:token`, (request, reply) =>
    withLiveLink(request, reply, ctx, 'verify_email', async (_row, token) =>
      sendPage(request, reply, 200, {
        title: 'Verify your account',
        body: html`<p>Press the button to confirm your email address and complete your registration.</p>${form(`${LINK_PATHS.verify_email}/${token}`, csrfToken(request, reply, ctx), html``, 'Verify')}`,
      }),
    ),
  );
  app.post(`${LINK_PATHS.verify_email}/:token`, async (request, reply) => {
    checkCsrf(request);
    const token = tokenParam(request);
    const rctx = forRequest(ctx, request, 'verification_link');
    const outcome = await ctx.db.transaction().execute(async (trx) => {
      const { row, state } = await consumeLink(trx, ctx.clock, 'verify_email', token);
      if (state !== 'valid' || !row) return { state, row };
      await noteLinkVisit(trx, rctx, row, 'link.used');
      const { user, event } = await linkContext(trx, row);
      const completed = await markEmailVerified(trx, { ...rctx, db: trx }, user);
      const org = await organisationOf(trx, user.org_id);
      if (event) {
        if (completed > 0) {
          await recordActivity(trx, rctx, { orgId: user.org_id, userId: user.id, eventId: event.id, kind: 'registration.completed', detail: { via: 'email verified' } });
        }
        await notifyPerson(trx, rctx, { orgName: org.name, user, event, template: 'registration_complete', actionUrl: signInUrl(ctx.publicUrl, event.slug) });
      }
      return { state, event };
    });
    if (outcome.state !== 'valid') return refuseLink(request, reply, ctx, 'verify_email', outcome, token);
    ctx.mail.wake();
    const signIn = outcome.event ? html`<a class="button" href="/e/${outcome.event.slug}/login">Sign in</a>` : '';
    return sendPage(request, reply, 200, {
      title: 'Registration complete',
      context: outcome.event?.title,
      body: html`<p>Thank you: your email address is confirmed and your registration is complete. Sign in with the email and password you chose. We also emailed you a link to the event site.</p>${signIn}`,
    });
  });

  // ---- Login links ---------------------------------------------------------------
  app.get(`${LINK_PATHS.magic_link}/:token`, (request, reply) =>
    withLiveLink(request, reply, ctx, 'magic_link', async (row, token) => {
      const { event } = await linkContext(ctx.db, row);
      return sendPage(request, reply, 200, {
        title: 'Log in',
        context: event?.title,
        body: html`<p>Press the button to enter ${event?.title ?? 'the event'}. The link works once.</p>${form(`${LINK_PATHS.magic_link}/${token}`, csrfToken(request, reply, ctx), html``, 'Log in')}`,
      });
    }),
  );
  app.post(`${LINK_PATHS.magic_link}/:token`, async (request, reply) => {
    checkCsrf(request);
    const token = tokenParam(request);
    const rctx = forRequest(ctx, request, 'sign_in');
    const outcome = await ctx.db.transaction().execute(async (trx) => {
      const { row, state } = await consumeLink(trx, ctx.clock, 'magic_link', token);
      if (state !== 'valid' || !row) return { state, row };
      await noteLinkVisit(trx, rctx, row, 'link.used');
      const { user, event } = await linkContext(trx, row);
      // Using the emailed link proves the address.
      await markEmailVerified(trx, { ...rctx, db: trx }, user);
      const completed = await moveStage(trx, ctx.clock, { userId: user.id, eventId: row.event_id, from: ['login_link_sent', 'invite_sent'], to: { status: 'registered', stage: 'verified' } });
      if (completed > 0) await recordActivity(trx, rctx, { orgId: user.org_id, userId: user.id, eventId: row.event_id, kind: 'registration.completed', detail: { via: 'login link' } });
      return { state, event, userId: user.id };
    });
    if (outcome.state !== 'valid' || !outcome.event) return refuseLink(request, reply, ctx, 'magic_link', outcome, token);
    // The link stands for the password only: blocks, 2FA and enrollment still apply.
    const user = await ctx.db.selectFrom('users').selectAll().where('id', '=', outcome.userId!).executeTakeFirstOrThrow();
    const signIn = await afterFirstFactor(rctx, user, outcome.event);
    await noteSignInOutcome(rctx, user, outcome.event, signIn, 'login_link');
    return continueSignIn(request, reply, ctx, outcome.event, signIn, user.email);
  });

  // ---- Set password and reset password ------------------------------------------
  for (const kind of ['set_password', 'reset_password'] as const) {
    const title = kind === 'set_password' ? 'Set your password' : 'Choose a new password';
    app.get(`${LINK_PATHS[kind]}/:token`, (request, reply) =>
      withLiveLink(request, reply, ctx, kind, async (row, token) => {
        const policy = await policyForLink(ctx.db, row);
        const { event } = await linkContext(ctx.db, row);
        return sendPage(request, reply, 200, {
          title,
          context: event?.title,
          body: passwordForm(`${LINK_PATHS[kind]}/${token}`, csrfToken(request, reply, ctx), policy.minLength),
        });
      }),
    );
    app.post(`${LINK_PATHS[kind]}/:token`, async (request, reply) => {
      checkCsrf(request);
      const token = tokenParam(request);
      const { row, state } = token ? await inspectLink(ctx.db, ctx.clock, kind, token) : { row: undefined, state: 'unknown' as const };
      if (state !== 'valid' || !row) return refuseLink(request, reply, ctx, kind, { state, row }, token);
      const rctx = forRequest(ctx, request, kind === 'reset_password' ? 'password_reset' : 'password_link');
      const { user, event } = await linkContext(ctx.db, row);
      const policy = await policyForLink(ctx.db, row);
      const password = formField(request, 'password', 1024);
      const problem = passwordProblem(password, formField(request, 'confirmation', 1024), policy, user.email);
      if (problem) {
        await recordActivity(ctx.db, rctx, {
          orgId: row.org_id,
          userId: user.id,
          eventId: row.event_id,
          kind: 'password.refused',
          outcome: 'refused',
          reason: problem.reason,
          tokenId: row.id,
          detail: { linkKind: kind },
        });
        const errors: FieldErrors = { [problem.field]: problem.message };
        return sendPage(request, reply, 422, { title, context: event?.title, body: passwordForm(`${LINK_PATHS[kind]}/${token}`, csrfToken(request, reply, ctx), policy.minLength, errors) });
      }
      // Checked first so a typo does not burn the link; consumed here so it works once.
      const outcome = await ctx.db.transaction().execute(async (trx) => {
        const consumed = await consumeLink(trx, ctx.clock, kind, token);
        if (consumed.state !== 'valid' || !consumed.row) return { state: consumed.state, row: consumed.row };
        await noteLinkVisit(trx, rctx, consumed.row, 'link.used');
        return { state: consumed.state, result: await completePasswordLink(trx, { ...rctx, db: trx }, consumed.row, password) };
      });
      if (!outcome.result) return refuseLink(request, reply, ctx, kind, outcome, token);
      ctx.mail.wake();
      if (outcome.result.enrollmentUrl) return reply.redirect(new URL(outcome.result.enrollmentUrl).pathname, 303);
      const signIn = event ? html`<a class="button" href="/e/${event.slug}/login">Sign in</a>` : '';
      return sendPage(request, reply, 200, {
        title: 'Your password has been set',
        context: event?.title,
        body: html`<p>Sign in with your email address and your new password.</p>${signIn}`,
      });
    });
  }

  // ---- 2FA enrollment ------------------------------------------------------------
  app.get(`${LINK_PATHS.mfa_enroll}/:token`, (request, reply) =>
    withLiveLink(request, reply, ctx, 'mfa_enroll', async (row, token) => {
      const { user } = await linkContext(ctx.db, row);
      return sendPage(request, reply, 200, {
        title: 'Set up two-factor authentication',
        body: await enrollmentBody(ctx, row, user, `${LINK_PATHS.mfa_enroll}/${token}`, csrfToken(request, reply, ctx)),
      });
    }),
  );
  app.post(`${LINK_PATHS.mfa_enroll}/:token`, async (request, reply) => {
    checkCsrf(request);
    const token = tokenParam(request);
    const code = formField(request, 'code', 64);
    const { row, state } = token ? await inspectLink(ctx.db, ctx.clock, 'mfa_enroll', token) : { row: undefined, state: 'unknown' as const };
    if (state !== 'valid' || !row) return refuseLink(request, reply, ctx, 'mfa_enroll', { state, row }, token);
    const { user } = await linkContext(ctx.db, row);
    // A wrong code changes nothing, so the person can simply try again.
    const step = enrollmentStep(ctx, row, code);
    if (step === null) {
      return sendPage(request, reply, 422, {
        title: 'Set up two-factor authentication',
        body: await enrollmentBody(ctx, row, user, `${LINK_PATHS.mfa_enroll}/${token}`, csrfToken(request, reply, ctx), 'That code is not right. Enter the current 6-digit code from your app.'),
      });
    }
    const rctx = forRequest(ctx, request);
    const outcome = await ctx.db.transaction().execute(async (trx) => {
      const consumed = await consumeLink(trx, ctx.clock, 'mfa_enroll', token);
      if (consumed.state !== 'valid' || !consumed.row) return { state: consumed.state, row: consumed.row };
      await noteLinkVisit(trx, rctx, consumed.row, 'link.used');
      const codes = await enableEnrollment(trx, { ...rctx, db: trx }, consumed.row, step);
      await recordActivity(trx, rctx, { orgId: consumed.row.org_id, userId: consumed.row.user_id, kind: 'mfa.enabled', tokenId: consumed.row.id });
      return { state: consumed.state, codes };
    });
    if (!outcome.codes) return refuseLink(request, reply, ctx, 'mfa_enroll', outcome, token);
    const events = await ctx.db
      .selectFrom('registrations')
      .innerJoin('events', 'events.id', 'registrations.event_id')
      .select(['events.slug', 'events.title'])
      .where('registrations.user_id', '=', user.id)
      .orderBy('events.starts_at', 'desc')
      .execute();
    const signIn = events[0] ? html`<a class="button" href="/e/${events[0].slug}/login">Continue to sign in</a>` : '';
    return sendPage(request, reply, 200, {
      title: 'Two-factor authentication is on',
      body: html`<p>From now on you will enter a code from your app after your password.</p>
<h2>Your recovery codes</h2>
<p>Each code lets you sign in once if you lose your phone. Save them somewhere safe now: this is the only time they are shown.</p>
<ul class="codes" id="recovery-codes">${outcome.codes!.map((c) => html`<li><code>${c}</code></li>`)}</ul>
${signIn}`,
    });
  });

  // ---- A new link for a dead one ---------------------------------------------------
  app.post('/links/renew', async (request, reply) => {
    checkCsrf(request);
    const kind = formField(request, 'kind', 40) as LinkKind;
    const token = formField(request, 'token', 200);
    const typed = formField(request, 'email', 254);
    // Under the address rule, so a refused address matches no one's.
    const email = emailLookupKey(typed);
    await enforceRateLimit(ctx.db, ctx.clock, RENEW_PER_IP, request.ip, 'requests for new links from this address');
    if (typed.trim()) await enforceRateLimit(ctx.db, ctx.clock, RENEW_PER_ACCOUNT, email, 'requests for new links for this email address');
    const { row } = Object.hasOwn(LINK_PATHS, kind) && TOKEN_PATTERN.test(token) ? await inspectLink(ctx.db, ctx.clock, kind, token) : { row: undefined };
    if (row) {
      const { user, event } = await linkContext(ctx.db, row);
      if (user.email === email && user.blocked === 0) {
        const rctx = forRequest(ctx, request, 'renew_form');
        await ctx.db.transaction().execute(async (trx) => {
          const org = await organisationOf(trx, user.org_id);
          const ttlMinutes = {
            verify_email: event?.verification_ttl_minutes ?? 2880,
            magic_link: event?.magic_link_ttl_minutes ?? 15,
            set_password: event?.set_password_ttl_minutes ?? 4320,
            reset_password: RESET_LINK_MINUTES,
            mfa_enroll: ENROLLMENT_LINK_MINUTES,
          }[kind];
          // An address verified meanwhile needs no verification link, just the sign-in one.
          if (kind === 'verify_email' && user.email_verified_at && event) {
            await notifyPerson(trx, rctx, { orgName: org.name, user, event, template: 'registration_complete', actionUrl: signInUrl(ctx.publicUrl, event.slug) });
            return;
          }
          const link = await issueLink(trx, rctx, {
            kind,
            orgId: user.org_id,
            userId: user.id,
            eventId: row.event_id,
            ttlMinutes,
            createdBy: 'self-service',
            payloadSealed: kind === 'mfa_enroll' ? ctx.secrets.seal(newTotpSecret()) : null,
          });
          await notifyPerson(trx, rctx, { orgName: org.name, user, event, template: RENEWAL_TEMPLATES[kind], actionUrl: link.url, expiresAt: link.expiresAt });
        });
        ctx.mail.wake();
      }
    }
    // The same answer whether or not the address matched, so nobody learns who is registered.
    return sendPage(request, reply, 200, {
      title: 'Check your inbox',
      body: html`<p>If ${typed.trim() ? displayEmail(typed) : 'that address'} matches the link, a new one is on its way. Look in your spam, junk or promotions folder too, and use only the newest email.</p>`,
    });
  });
}
