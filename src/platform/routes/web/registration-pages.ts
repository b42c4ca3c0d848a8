// The registration form of an event (built from its form fields), the "send activation
// email" page, and "forgot password". Once a form is valid, each answers the same whatever
// the address's state; only the email differs, so nobody can find out who is registered.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PlatformContext } from '../../context.ts';
import { html, type SafeHtml } from '../../pages/html.ts';
import { checkbox, errorSummary, field, form, type FieldErrors } from '../../pages/forms.ts';
import type { EventRow } from '../../storage/schema.ts';
import { issueLink } from '../../services/link-tokens.ts';
import { notifyPerson } from '../../services/notify.ts';
import { RESET_LINK_MINUTES } from '../../services/password.ts';
import { enforceRateLimit, type RateLimit } from '../../services/rate-limit.ts';
import { organisationOf } from '../../services/registration-state.ts';
import { confirmationPage, formFields, registerFromForm, requestActivationEmail, type RegistrationForm } from '../../services/registration.ts';
import { eventPhase } from '../../services/views.ts';
import { formatDateTime } from '../../mail/templates.ts';
import { checkCsrf, csrfToken, formField, forRequest, sendPage } from './kit.ts';
import { noteRateLimited } from '../../activity/record.ts';
import { displayEmail, emailLookupKey } from '../../../contract/email-address.ts';
import { eventBySlug } from './sign-in.ts';

const REGISTER_PER_IP: RateLimit = { name: 'register-ip', max: 20, windowSeconds: 3600 };
// Registering again re-sends an email, so one address cannot be flooded through the form.
const REGISTER_PER_ACCOUNT: RateLimit = { name: 'register-account', max: 5, windowSeconds: 3600 };
const ACTIVATE_PER_IP: RateLimit = { name: 'activate-ip', max: 20, windowSeconds: 3600 };
const ACTIVATE_PER_ACCOUNT: RateLimit = { name: 'activate-account', max: 5, windowSeconds: 3600 };
const FORGOT_PER_IP: RateLimit = { name: 'forgot-ip', max: 20, windowSeconds: 3600 };
const FORGOT_PER_ACCOUNT: RateLimit = { name: 'forgot-account', max: 5, windowSeconds: 3600 };

const AUTOCOMPLETE: Record<string, string> = {
  first_name: 'given-name',
  last_name: 'family-name',
  country: 'country-name',
  job_title: 'organization-title',
  company: 'organization',
};

function registrationFormBody(request: FastifyRequest, reply: FastifyReply, ctx: PlatformContext, event: EventRow, input?: Partial<RegistrationForm>, errors?: FieldErrors): SafeHtml {
  const fields = formFields(event);
  const passwordFields =
    event.login_method === 'password'
      ? html`<h2>Sign-in details</h2>
${field({ name: 'email', label: 'Email (you will sign in with it)', type: 'email', required: true, autocomplete: 'email', value: input?.email, errors })}
${field({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password', errors })}
<p id="password-rules">At least ${event.password_min_length} characters; avoid common passwords and your email address.</p>
${field({ name: 'confirmation', label: 'Repeat password', type: 'password', required: true, autocomplete: 'new-password', errors })}`
      : html`${field({ name: 'email', label: 'Email', type: 'email', required: true, autocomplete: 'email', value: input?.email, errors })}
<p>No password needed: we will email you a login link.</p>`;
  return html`<p>Fields marked <span class="required">*</span> are required.</p>
${errorSummary(errors)}
${form(
  `/e/${event.slug}/register`,
  csrfToken(request, reply, ctx),
  html`<h2>About you</h2>
${fields.map((f) => field({ name: f.name, label: f.label, required: f.required, autocomplete: AUTOCOMPLETE[f.name], value: input?.values?.[f.name], errors }))}
${passwordFields}
<h2>The fine print</h2>
${checkbox({ name: 'terms', label: 'I have read and agree to the terms and conditions and the privacy policy.', checked: input?.termsAccepted, errors, required: true })}`,
  'Register',
)}
<p><a href="/e/${event.slug}/login">Already registered? Sign in</a></p>`;
}

function emailOnlyForm(action: string, csrf: string, submit: string, errors?: FieldErrors): SafeHtml {
  return html`${errorSummary(errors)}${form(action, csrf, field({ name: 'email', label: 'Email address', type: 'email', required: true, autocomplete: 'email', errors }), submit)}`;
}

export function registrationPageRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.get('/e/:slug/register', async (request, reply) => {
    const event = await eventBySlug(ctx, request);
    if (event.registration_open !== 1 || eventPhase(event, ctx.clock.now()) === 'ended') {
      return sendPage(request, reply, 200, { title: 'Registration is closed', context: event.title, body: html`<p>Registration for ${event.title} is closed. <a href="/e/${event.slug}/login">Already registered? Sign in</a>.</p>` });
    }
    const prefill = String((request.query as { email?: string }).email ?? '').slice(0, 254);
    return sendPage(request, reply, 200, { title: 'Register', context: event.title, body: registrationFormBody(request, reply, ctx, event, { email: prefill }) });
  });

  app.post('/e/:slug/register', async (request, reply) => {
    checkCsrf(request);
    const event = await eventBySlug(ctx, request);
    const rctx = forRequest(ctx, request, 'registration_form');
    const typed = formField(request, 'email', 300);
    const limited = { orgId: event.org_id, email: typed || null, eventId: event.id, kind: 'registration.refused' as const };
    await noteRateLimited(ctx.db, rctx, limited, () => enforceRateLimit(ctx.db, ctx.clock, REGISTER_PER_IP, request.ip, 'registrations from this address'));
    const values = Object.fromEntries(formFields(event).map((f) => [f.name, formField(request, f.name, 500)]));
    const input: RegistrationForm = {
      values,
      email: typed,
      password: formField(request, 'password', 1024),
      confirmation: formField(request, 'confirmation', 1024),
      termsAccepted: formField(request, 'terms', 10) === 'yes',
    };
    // Counted per address as the rule reads it, so lookalike spellings share one budget.
    const email = emailLookupKey(typed);
    if (typed.trim()) await noteRateLimited(ctx.db, rctx, limited, () => enforceRateLimit(ctx.db, ctx.clock, REGISTER_PER_ACCOUNT, email, 'registrations for this email address'));
    const outcome = await registerFromForm(rctx, event, input);
    if (outcome.kind === 'closed') {
      return sendPage(request, reply, 403, { title: 'Registration is closed', context: event.title, body: html`<p>Registration for ${event.title} is closed.</p>` });
    }
    if (outcome.kind === 'invalid') {
      return sendPage(request, reply, 422, { title: 'Register', context: event.title, body: registrationFormBody(request, reply, ctx, event, input, outcome.errors) });
    }
    const starts = formatDateTime(event.starts_at, event.timezone);
    const pages = {
      check_inbox: {
        title: 'Almost done: check your inbox',
        body: html`<p>We sent an email to ${email}. Open it and press its button to complete your registration.</p>
<p>Nothing there? Look in your spam, junk or promotions folder, or <a href="/e/${event.slug}/activate">send the email again</a>.</p>`,
      },
      sign_in: {
        title: 'Thanks for registering',
        body: html`<p>Your registration for ${event.title} is in, and we emailed ${email} the details. We look forward to seeing you on ${starts}.</p>
<p>If you already had an account without a password, the email has a link to set one first.</p><a class="button" href="/e/${event.slug}/login">Sign in</a>`,
      },
      login_link: {
        title: 'Thanks for registering',
        body: html`<p>We emailed a login link to ${email}. Use it to enter ${event.title}; it works once. The event starts on ${starts}.</p>`,
      },
    }[confirmationPage(event)];
    return sendPage(request, reply, 200, { ...pages, context: event.title });
  });

  app.get('/e/:slug/activate', async (request, reply) => {
    const event = await eventBySlug(ctx, request);
    return sendPage(request, reply, 200, {
      title: 'Send the activation email again',
      context: event.title,
      body: html`<p>Enter the email address you registered with. If you have not verified it yet we will send a new verification link; if you have, we will send your sign-in details.</p>
${emailOnlyForm(`/e/${event.slug}/activate`, csrfToken(request, reply, ctx), 'Send activation email')}`,
    });
  });

  app.post('/e/:slug/activate', async (request, reply) => {
    checkCsrf(request);
    const event = await eventBySlug(ctx, request);
    const typed = formField(request, 'email', 254);
    if (!typed.trim()) {
      return sendPage(request, reply, 422, { title: 'Send the activation email again', context: event.title, body: emailOnlyForm(`/e/${event.slug}/activate`, csrfToken(request, reply, ctx), 'Send activation email', { email: 'Enter your email address.' }) });
    }
    const rctx = forRequest(ctx, request, 'activation_page');
    const email = emailLookupKey(typed);
    const limited = { orgId: event.org_id, email: typed, eventId: event.id, kind: 'link.refused' as const, detail: { linkKind: 'verify_email' } };
    await noteRateLimited(ctx.db, rctx, limited, () => enforceRateLimit(ctx.db, ctx.clock, ACTIVATE_PER_IP, request.ip, 'activation requests from this address'));
    await noteRateLimited(ctx.db, rctx, limited, () => enforceRateLimit(ctx.db, ctx.clock, ACTIVATE_PER_ACCOUNT, email, 'activation requests for this email address'));
    await requestActivationEmail(rctx, event, typed);
    return sendPage(request, reply, 200, {
      title: 'Activation email sent',
      context: event.title,
      body: html`<p>If ${displayEmail(typed)} is registered for ${event.title}, an email is on its way: a verification link if the address is not verified yet, otherwise your sign-in details. Check spam, junk and promotions folders too.</p>`,
    });
  });

  app.get('/e/:slug/forgot-password', async (request, reply) => {
    const event = await eventBySlug(ctx, request);
    return sendPage(request, reply, 200, {
      title: 'Forgot your password?',
      context: event.title,
      body: html`<p>Enter your email address and we will send you a link to choose a new password. It works for one hour. If you use two-factor authentication, you will set it up again afterwards.</p>
${emailOnlyForm(`/e/${event.slug}/forgot-password`, csrfToken(request, reply, ctx), 'Send reset link')}`,
    });
  });

  app.post('/e/:slug/forgot-password', async (request, reply) => {
    checkCsrf(request);
    const event = await eventBySlug(ctx, request);
    const typed = formField(request, 'email', 254);
    if (!typed.trim()) {
      return sendPage(request, reply, 422, { title: 'Forgot your password?', context: event.title, body: emailOnlyForm(`/e/${event.slug}/forgot-password`, csrfToken(request, reply, ctx), 'Send reset link', { email: 'Enter your email address.' }) });
    }
    const rctx = forRequest(ctx, request, 'forgot_password_page');
    const email = emailLookupKey(typed);
    const limited = { orgId: event.org_id, email: typed, eventId: event.id, kind: 'link.refused' as const, detail: { linkKind: 'reset_password' } };
    await noteRateLimited(ctx.db, rctx, limited, () => enforceRateLimit(ctx.db, ctx.clock, FORGOT_PER_IP, request.ip, 'reset requests from this address'));
    await noteRateLimited(ctx.db, rctx, limited, () => enforceRateLimit(ctx.db, ctx.clock, FORGOT_PER_ACCOUNT, email, 'reset requests for this email address'));
    await ctx.db.transaction().execute(async (trx) => {
      const user = await trx.selectFrom('users').selectAll().where('org_id', '=', event.org_id).where('email', '=', email).executeTakeFirst();
      if (!user || user.blocked === 1) return;
      const org = await organisationOf(trx, user.org_id);
      const link = await issueLink(trx, rctx, { kind: 'reset_password', orgId: user.org_id, userId: user.id, eventId: event.id, ttlMinutes: RESET_LINK_MINUTES, createdBy: 'self-service' });
      await notifyPerson(trx, rctx, { orgName: org.name, user, event, template: 'password_reset', actionUrl: link.url, expiresAt: link.expiresAt });
    });
    ctx.mail.wake();
    return sendPage(request, reply, 200, {
      title: 'Check your inbox',
      context: event.title,
      body: html`<p>If ${displayEmail(typed)} has an account, a password reset link is on its way. It works once, for one hour.</p>`,
    });
  });
}
