// The signed-in person's account page on an event's site (/e/<slug>/account): their
// two-factor state, and the pages that turn it on (authenticator app or text messages),
// change the phone, make new recovery codes or turn it off. A visitor who is not signed
// in is sent to sign in and brought back here.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PlatformContext } from '../../context.ts';
import { HttpError } from '../../http-error.ts';
import { html, type SafeHtml } from '../../pages/html.ts';
import type { FieldErrors } from '../../pages/forms.ts';
import {
  accountOverview,
  appSetupStep,
  internationalNumber,
  passwordStep,
  recoveryCodesStep,
  regionOfCountryName,
  smsCodeStep,
  smsPhoneStep,
} from '../../pages/account.ts';
import type { EventRow, OrganisationRow, UserRow } from '../../storage/schema.ts';
import { organisationOf } from '../../services/registration-state.ts';
import {
  confirmAppCode,
  confirmSmsSetup,
  finishSetup,
  liveSetup,
  passwordConfirmed,
  pendingPhone,
  regenerateRecoveryCodes,
  resendSmsSetupCode,
  startAppSetup,
  startSmsSetup,
  turnOff,
  twoFactorState,
  type Setup,
} from '../../services/self-service-mfa.ts';
import type { SmsCodeRefusal } from '../../services/sms-mfa.ts';
import { fullName } from '../../services/views.ts';
import { sessionUser } from '../../services/web-session.ts';
import { checkCsrf, csrfToken, formField, forRequest, secureCookies, sendPage, SESSION_COOKIE } from './kit.ts';
import { eventBySlug, rememberReturnToAccount } from './sign-in.ts';

const SETUP_COOKIE = 't1_mfa_setup';
const WRONG_PASSWORD = 'That is not your current password. Enter the password you sign in with.';

const SMS_REFUSALS: Record<SmsCodeRefusal, string> = {
  wrong_code: 'That code is not right. Check the text message and try again.',
  expired: 'That code has expired. Ask for a new one with "Text me a new code".',
  used: 'That code was already used. Ask for a new one with "Text me a new code".',
  limited: 'Too many tries for this code. Ask for a new one with "Text me a new code".',
  no_code: 'There is no code waiting for this number. Ask for one with "Text me a new code".',
};

interface Visit {
  event: EventRow;
  user: UserRow;
  org: OrganisationRow;
  base: string;
  csrf: string;
}

export function accountRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  /** The signed-in person, or null after sending the visitor to sign in (and back). */
  async function signedIn(request: FastifyRequest, reply: FastifyReply): Promise<Visit | null> {
    const event = await eventBySlug(ctx, request);
    const user = await sessionUser(ctx.db, ctx, request.cookies[SESSION_COOKIE]);
    if (!user || user.org_id !== event.org_id) {
      rememberReturnToAccount(reply, ctx, event);
      await reply.redirect(`/e/${event.slug}/login`, 303);
      return null;
    }
    const org = await organisationOf(ctx.db, user.org_id);
    return { event, user, org, base: `/e/${event.slug}/account`, csrf: csrfToken(request, reply, ctx) };
  }

  function page(request: FastifyRequest, reply: FastifyReply, visit: Visit, status: number, title: string, body: SafeHtml) {
    return sendPage(request, reply, status, { title, context: visit.event.title, body });
  }

  function setSetupCookie(reply: FastifyReply, visit: Visit, token: string): void {
    reply.setCookie(SETUP_COOKIE, token, { path: visit.base, httpOnly: true, sameSite: 'lax', secure: secureCookies(ctx), maxAge: 15 * 60 });
  }

  function setupOf(request: FastifyRequest, visit: Visit): Promise<Setup | null> {
    return liveSetup(ctx.db, ctx, visit.user, request.cookies[SETUP_COOKIE]);
  }

  /** Back to the overview (a change that is gone or done lands there). */
  function toAccount(reply: FastifyReply, visit: Visit, done?: string) {
    return reply.redirect(done ? `${visit.base}?done=${done}` : visit.base, 303);
  }

  app.get('/e/:slug/account', async (request, reply) => {
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    const state = await twoFactorState(ctx.db, visit.user, visit.org);
    const done = String((request.query as { done?: unknown }).done ?? '');
    return page(request, reply, visit, 200, 'Your account', accountOverview({
      name: fullName(visit.user),
      email: visit.user.email,
      state,
      timezone: visit.event.timezone,
      links: { base: visit.base, csrf: visit.csrf },
      done,
      eventSlug: visit.event.slug,
    }));
  });

  // ---- Authenticator app -----------------------------------------------------------
  const appIntro = html`<p>You will scan a QR code with an authenticator app on your phone, then enter the code it shows. First, confirm it is you.</p>`;
  const showAppPassword = (request: FastifyRequest, reply: FastifyReply, visit: Visit, status = 200, errors?: FieldErrors) =>
    page(request, reply, visit, status, 'Set up an authenticator app', passwordStep({ intro: appIntro, action: `${visit.base}/2fa/app`, csrf: visit.csrf, submit: 'Continue', errors, back: visit.base }));

  app.get('/e/:slug/account/2fa/app', async (request, reply) => {
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    return showAppPassword(request, reply, visit);
  });
  app.post('/e/:slug/account/2fa/app', async (request, reply) => {
    checkCsrf(request);
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    if (!(await passwordConfirmed(ctx, visit.user, formField(request, 'password', 1024)))) return showAppPassword(request, reply, visit, 422, { password: WRONG_PASSWORD });
    setSetupCookie(reply, visit, await startAppSetup(forRequest(ctx, request), visit.user));
    return reply.redirect(`${visit.base}/2fa/app/confirm`, 303);
  });

  const showAppSetup = async (request: FastifyRequest, reply: FastifyReply, visit: Visit, setup: Setup, status = 200, error?: string) => {
    if (setup.payload.purpose !== 'app') return toAccount(reply, visit);
    const body = await appSetupStep({ secret: setup.payload.secret, issuer: visit.org.name, account: visit.user.email, action: `${visit.base}/2fa/app/confirm`, csrf: visit.csrf, error, back: visit.base });
    return page(request, reply, visit, status, 'Scan the QR code', body);
  };
  app.get('/e/:slug/account/2fa/app/confirm', async (request, reply) => {
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    const setup = await setupOf(request, visit);
    if (!setup) return toAccount(reply, visit);
    return showAppSetup(request, reply, visit, setup);
  });
  app.post('/e/:slug/account/2fa/app/confirm', async (request, reply) => {
    checkCsrf(request);
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    const setup = await setupOf(request, visit);
    if (!setup) return toAccount(reply, visit);
    const outcome = await confirmAppCode(ctx, setup, formField(request, 'code', 64));
    if (outcome === 'wrong_code') return showAppSetup(request, reply, visit, setup, 422, 'That code is not right. Enter the 6-digit code your app shows now.');
    if (outcome === 'gone') return toAccount(reply, visit);
    return reply.redirect(`${visit.base}/2fa/codes`, 303);
  });

  // ---- Recovery codes, shown once ------------------------------------------------
  const showCodes = (request: FastifyRequest, reply: FastifyReply, visit: Visit, setup: Setup, status = 200, error?: string) => {
    const codes = setup.payload.purpose === 'sms' ? undefined : setup.payload.codes;
    if (!codes) return toAccount(reply, visit);
    const turnsOn = setup.payload.purpose === 'app';
    return page(request, reply, visit, status, 'Your recovery codes', recoveryCodesStep({ codes, action: `${visit.base}/2fa/codes`, csrf: visit.csrf, error, turnsOn }));
  };
  app.get('/e/:slug/account/2fa/codes', async (request, reply) => {
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    const setup = await setupOf(request, visit);
    if (!setup) return toAccount(reply, visit);
    return showCodes(request, reply, visit, setup);
  });
  app.post('/e/:slug/account/2fa/codes', async (request, reply) => {
    checkCsrf(request);
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    const setup = await setupOf(request, visit);
    if (!setup) return toAccount(reply, visit);
    const outcome = await finishSetup(forRequest(ctx, request), visit.user, setup, formField(request, 'saved', 10) === 'yes');
    if (outcome.kind === 'not_saved') return showCodes(request, reply, visit, setup, 422, 'Tick the box once you have saved your recovery codes.');
    reply.clearCookie(SETUP_COOKIE, { path: visit.base });
    if (outcome.kind === 'gone') return toAccount(reply, visit);
    return toAccount(reply, visit, outcome.method === 'app' ? 'app' : setup.payload.purpose === 'codes' ? setup.payload.done : 'codes');
  });

  const codesIntro = html`<p>New recovery codes replace all your current ones: the old codes stop working at once. Confirm it is you.</p>`;
  const showCodesPassword = (request: FastifyRequest, reply: FastifyReply, visit: Visit, status = 200, errors?: FieldErrors) =>
    page(request, reply, visit, status, 'Make new recovery codes', passwordStep({ intro: codesIntro, action: `${visit.base}/2fa/recovery-codes`, csrf: visit.csrf, submit: 'Make new codes', errors, back: visit.base }));
  app.get('/e/:slug/account/2fa/recovery-codes', async (request, reply) => {
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    if (!(await twoFactorState(ctx.db, visit.user, visit.org)).on) return toAccount(reply, visit);
    return showCodesPassword(request, reply, visit);
  });
  app.post('/e/:slug/account/2fa/recovery-codes', async (request, reply) => {
    checkCsrf(request);
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    if (!(await twoFactorState(ctx.db, visit.user, visit.org)).on) return toAccount(reply, visit);
    if (!(await passwordConfirmed(ctx, visit.user, formField(request, 'password', 1024)))) return showCodesPassword(request, reply, visit, 422, { password: WRONG_PASSWORD });
    setSetupCookie(reply, visit, await regenerateRecoveryCodes(forRequest(ctx, request), visit.user));
    return reply.redirect(`${visit.base}/2fa/codes`, 303);
  });

  // ---- Text messages -------------------------------------------------------------
  const showPhone = async (request: FastifyRequest, reply: FastifyReply, visit: Visit, status = 200, values: { region?: string; number?: string; errors?: FieldErrors } = {}) => {
    const state = await twoFactorState(ctx.db, visit.user, visit.org);
    const change = state.method === 'sms';
    const region = values.region ?? regionOfCountryName(visit.user.country);
    const body = smsPhoneStep({ action: `${visit.base}/2fa/sms`, csrf: visit.csrf, region, number: values.number, errors: values.errors, change, back: visit.base });
    return page(request, reply, visit, status, change ? 'Change your phone number' : 'Get codes by text message', body);
  };
  app.get('/e/:slug/account/2fa/sms', async (request, reply) => {
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    if (!(await twoFactorState(ctx.db, visit.user, visit.org)).allowed.includes('sms')) return toAccount(reply, visit);
    return showPhone(request, reply, visit);
  });
  app.post('/e/:slug/account/2fa/sms', async (request, reply) => {
    checkCsrf(request);
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    const region = formField(request, 'country', 4);
    const number = formField(request, 'phone', 40);
    const errors: FieldErrors = {};
    if (!number.trim()) errors.phone = 'Enter your mobile number.';
    else if (!region && !/^(\+|00)/.test(number.trim())) errors.phone = 'Choose your country code, or type the number starting with + and its country code.';
    if (!errors.phone && !(await passwordConfirmed(ctx, visit.user, formField(request, 'password', 1024)))) errors.password = WRONG_PASSWORD;
    if (Object.keys(errors).length > 0) return showPhone(request, reply, visit, 422, { region, number, errors });
    try {
      const started = await startSmsSetup(forRequest(ctx, request), visit.user, internationalNumber(region, number));
      setSetupCookie(reply, visit, started.token);
    } catch (error) {
      if (error instanceof HttpError && error.code === 'validation_failed') {
        const message = error.details?.fields?.find((f) => f.field === 'phone')?.message ?? error.message;
        return showPhone(request, reply, visit, 422, { region, number, errors: { phone: message } });
      }
      throw error;
    }
    return reply.redirect(`${visit.base}/2fa/sms/confirm`, 303);
  });

  const showSmsCode = async (request: FastifyRequest, reply: FastifyReply, visit: Visit, status = 200, messages: { error?: string; notice?: string } = {}) => {
    const pending = await pendingPhone(ctx, visit.user);
    const body = smsCodeStep({
      maskedPhone: pending?.maskedPhone ?? null,
      expiresAt: pending?.expiresAt ?? null,
      action: `${visit.base}/2fa/sms/confirm`,
      resendAction: `${visit.base}/2fa/sms/resend`,
      csrf: visit.csrf,
      ...messages,
      back: visit.base,
    });
    return page(request, reply, visit, status, 'Enter the code we texted you', body);
  };
  app.get('/e/:slug/account/2fa/sms/confirm', async (request, reply) => {
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    const setup = await setupOf(request, visit);
    if (setup?.payload.purpose !== 'sms') return toAccount(reply, visit);
    return showSmsCode(request, reply, visit);
  });
  app.post('/e/:slug/account/2fa/sms/confirm', async (request, reply) => {
    checkCsrf(request);
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    const setup = await setupOf(request, visit);
    if (setup?.payload.purpose !== 'sms') return toAccount(reply, visit);
    const outcome = await confirmSmsSetup(forRequest(ctx, request), visit.user, setup, formField(request, 'code', 64));
    if (outcome.kind === 'refused') return showSmsCode(request, reply, visit, 422, { error: SMS_REFUSALS[outcome.reason] });
    if (outcome.kind === 'gone') return toAccount(reply, visit);
    if (outcome.codesToken) {
      setSetupCookie(reply, visit, outcome.codesToken);
      return reply.redirect(`${visit.base}/2fa/codes`, 303);
    }
    reply.clearCookie(SETUP_COOKIE, { path: visit.base });
    return toAccount(reply, visit, setup.payload.change ? 'phone' : 'sms');
  });
  app.post('/e/:slug/account/2fa/sms/resend', async (request, reply) => {
    checkCsrf(request);
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    const setup = await setupOf(request, visit);
    if (setup?.payload.purpose !== 'sms') return toAccount(reply, visit);
    const sent = await resendSmsSetupCode(forRequest(ctx, request), visit.user, setup);
    return showSmsCode(request, reply, visit, 200, { notice: `We texted a new code to ${sent?.maskedPhone ?? 'your phone'}. Only the newest code works.` });
  });

  // ---- Turning off ---------------------------------------------------------------
  const offIntro = html`<p>Without two-factor authentication, your password alone lets anyone into your account. Your recovery codes stop working too. Confirm it is you.</p>`;
  const showOff = async (request: FastifyRequest, reply: FastifyReply, visit: Visit, status = 200, errors?: FieldErrors) => {
    if (visit.org.mfa_policy === 'everyone') {
      return page(request, reply, visit, 403, 'Two-factor authentication stays on', html`<p>${visit.org.name} requires two-factor authentication for everyone, so it cannot be turned off. You can change how you get your codes on <a href="${visit.base}">your account page</a>.</p>`);
    }
    return page(request, reply, visit, status, 'Turn off two-factor authentication', passwordStep({ intro: offIntro, action: `${visit.base}/2fa/off`, csrf: visit.csrf, submit: 'Turn off', errors, back: visit.base }));
  };
  app.get('/e/:slug/account/2fa/off', async (request, reply) => {
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    return showOff(request, reply, visit);
  });
  app.post('/e/:slug/account/2fa/off', async (request, reply) => {
    checkCsrf(request);
    const visit = await signedIn(request, reply);
    if (!visit) return reply;
    if (visit.org.mfa_policy === 'everyone') return showOff(request, reply, visit);
    if (!(await passwordConfirmed(ctx, visit.user, formField(request, 'password', 1024)))) return showOff(request, reply, visit, 422, { password: WRONG_PASSWORD });
    await turnOff(forRequest(ctx, request), visit.user, visit.org);
    return toAccount(reply, visit, 'off');
  });
}
