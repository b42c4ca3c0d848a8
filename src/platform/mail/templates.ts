// The emails the platform sends, each as plain text and simple accessible HTML. Every
// template fills one layout (greeting, what to do, a button, when the link expires, what
// to do if the email was unexpected), so all of them look and read alike.
import escapeHtml from 'escape-html';
import { EMAIL_TEMPLATES, type EmailTemplate } from '../../contract/vocabulary.ts';

export type TemplateName = EmailTemplate;
export const TEMPLATE_NAMES = EMAIL_TEMPLATES;

export interface TemplateVars {
  recipientName: string;
  eventTitle?: string;
  /** ISO-8601. */
  eventStartsAt?: string;
  /** IANA zone of the event; dates are shown in it, else in UTC. */
  eventTimezone?: string;
  organisationName: string;
  /** Where the button leads, already absolute. Required by every template but mfa_removed. */
  actionUrl?: string;
  /** ISO-8601: when the link in actionUrl stops working. */
  expiresAt?: string;
  /** A one-time code the person reads back to support (identity_code only). */
  code?: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** What one template says; the layout turns it into text and HTML. */
interface Content {
  subject: string;
  paragraphs: string[];
  button?: { label: string; url: string };
  unexpected: string;
}

export function renderEmail(template: TemplateName, vars: TemplateVars): RenderedEmail {
  const content = contentFor(template, vars);
  return { subject: content.subject, text: renderText(content, vars), html: renderHtml(content, vars) };
}

/**
 * The subject alone, for the outbox, which renders the body only when the mail is sent.
 * It checks the variables as renderEmail does, so a mail that could not be rendered is
 * refused when it is queued, not when it is due.
 */
export function renderSubject(template: TemplateName, vars: TemplateVars): string {
  return contentFor(template, vars).subject;
}

function contentFor(template: TemplateName, vars: TemplateVars): Content {
  // Account emails can come without an event; the organisation stands in for it.
  const event = vars.eventTitle ?? vars.organisationName;
  const startsLine = vars.eventStartsAt
    ? [`${vars.eventTitle ?? 'The event'} starts on ${formatDateTime(vars.eventStartsAt, vars.eventTimezone)}.`]
    : [];
  switch (template) {
    case 'verify_account':
      return {
        subject: `Verify your account for ${event}`,
        paragraphs: [
          `Thanks for registering for ${event}. One step is left: confirm that this email address is yours so we can complete your registration.`,
        ],
        button: { label: 'Verify account', url: requireUrl(template, vars) },
        unexpected: 'If you did not register, you can ignore this email. Nothing is activated unless the link is used.',
      };
    case 'registration_complete':
      return {
        subject: `Registration complete: ${event}`,
        paragraphs: [`Your registration for ${event} is complete. We look forward to seeing you.`, ...startsLine],
        button: { label: 'Sign in', url: requireUrl(template, vars) },
        unexpected: 'If you did not register for this event, please let the event organisers know.',
      };
    case 'login_link':
      return {
        subject: `Your login link for ${event}`,
        paragraphs: [`Use the button below to enter ${event}. You will not need a password.`, ...startsLine],
        button: { label: 'Log in', url: requireUrl(template, vars) },
        unexpected: 'If you did not ask for a login link, you can ignore this email. Nobody can sign in without the link.',
      };
    case 'set_password':
      return {
        subject: `Set your password for ${event}`,
        paragraphs: [`Choose a password for your ${event} account. You will sign in with your email address and this password.`],
        button: { label: 'Set password', url: requireUrl(template, vars) },
        unexpected: 'If you did not expect this email, you can ignore it. No password is set unless the link is used.',
      };
    case 'invitation_password':
      return {
        subject: `You're invited to ${event}`,
        paragraphs: [
          `${vars.organisationName} has invited you to ${event}.`,
          ...startsLine,
          'To accept, choose a password for your account. You will sign in with your email address and this password.',
        ],
        button: { label: 'Set me up', url: requireUrl(template, vars) },
        unexpected: 'If you were not expecting an invitation, you can ignore this email.',
      };
    case 'invitation_login_link':
      return {
        subject: `You're invited to ${event}`,
        paragraphs: [`${vars.organisationName} has invited you to ${event}.`, ...startsLine, 'Use the button below to open the event site.'],
        button: { label: 'Open the event site', url: requireUrl(template, vars) },
        unexpected: 'If you were not expecting an invitation, you can ignore this email.',
      };
    case 'password_reset':
      return {
        subject: 'Reset your password',
        paragraphs: [`We received a request to reset the password of your ${vars.organisationName} account. Use the button below to choose a new one.`],
        button: { label: 'Reset password', url: requireUrl(template, vars) },
        unexpected: 'If you did not ask for a new password, you can ignore this email. Your current password keeps working.',
      };
    case 'mfa_enrollment':
      return {
        subject: 'Set up two-factor authentication',
        paragraphs: [
          `Here is your link to set up two-factor authentication for your ${vars.organisationName} account: it adds a code from an authenticator app to your password. Open the link, scan the QR code with an authenticator app on your phone (for example Google Authenticator), and enter the code it shows.`,
          'From then on you will type a code from the app each time you sign in.',
        ],
        button: { label: 'Set up two-factor authentication', url: requireUrl(template, vars) },
        unexpected: 'If you did not expect this email, do not use the link and contact your support team.',
      };
    case 'mfa_removed':
      return {
        subject: 'Two-factor authentication was removed',
        paragraphs: [
          `Two-factor authentication has been turned off for your ${vars.organisationName} account, so your authenticator app no longer works for it.`,
          'If your organisation requires two-factor authentication, you will be asked to set it up again.',
        ],
        ...(vars.actionUrl ? { button: { label: 'Sign in', url: checkedUrl(vars.actionUrl) } } : {}),
        unexpected: 'If you did not ask for this, contact your support team straight away so they can secure your account.',
      };
    case 'identity_code':
      return {
        subject: 'Your verification code',
        paragraphs: [
          `You are talking to the ${vars.organisationName} support team, who need to confirm it is really you before they change the security settings of your account. Read this code to the support agent:`,
          requireCode(vars),
          ...(vars.expiresAt ? [`The code works once and expires on ${formatDateTime(vars.expiresAt)}.`] : []),
        ],
        unexpected: 'If you are not talking to our support team right now, do not share this code with anyone, and let us know: someone may be trying to get into your account.',
      };
  }
}

function requireCode(vars: TemplateVars): string {
  if (!vars.code || !/^\d{4,12}$/.test(vars.code)) throw new Error('The identity_code email needs a code of digits.');
  return vars.code;
}

function requireUrl(template: TemplateName, vars: TemplateVars): string {
  if (!vars.actionUrl) throw new Error(`The ${template} email needs an actionUrl.`);
  return checkedUrl(vars.actionUrl);
}

// Escaping keeps markup out, not a javascript: link; only web links may become buttons.
function checkedUrl(url: string): string {
  if (!/^https?:\/\//i.test(url)) throw new Error('An email link must be an http(s) URL.');
  return url;
}

function expiryLine(vars: TemplateVars): string | undefined {
  return vars.expiresAt
    ? `The link works once and expires on ${formatDateTime(vars.expiresAt, vars.eventTimezone)}.`
    : undefined;
}

/** "Friday 25 October 2024, 14:00 (America/New_York)"; UTC when the zone is unknown or invalid. */
export function formatDateTime(iso: string, timeZone?: string): string {
  // Bulk flows format the same few instants thousands of times.
  const key = `${iso} ${timeZone ?? ''}`;
  const known = formatted.get(key);
  if (known !== undefined) return known;
  const text = formatUncached(iso, timeZone);
  if (formatted.size >= 1000) formatted.clear();
  formatted.set(key, text);
  return text;
}

const formatted = new Map<string, string>();

function formatUncached(iso: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`Not a date: ${iso}`);
  const zone = timeZone && isValidTimeZone(timeZone) ? timeZone : 'UTC';
  const parts = formatterFor(zone).formatToParts(date);
  // Built from parts so the wording does not shift with the ICU version.
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')} ${part('month')} ${part('year')}, ${part('hour')}:${part('minute')} (${zone})`;
}

// Building a formatter costs far more than formatting: bulk invitations render thousands
// of emails a second, so each zone's formatter is built once.
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  return cachedFormatter(zone) ?? cachedFormatter('UTC')!;
}

function cachedFormatter(timeZone: string): Intl.DateTimeFormat | null {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-GB', {
        timeZone,
        weekday: 'long',
        day: 'numeric',
        month: 'long',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
    } catch {
      formatter = null;
    }
    // Zones come from event settings: few, but bounded all the same.
    if (formatters.size < 500) formatters.set(timeZone, formatter);
  }
  return formatter;
}

function isValidTimeZone(timeZone: string): boolean {
  return cachedFormatter(timeZone) !== null;
}

function renderText(content: Content, vars: TemplateVars): string {
  const blocks = [`Hi ${vars.recipientName},`, ...content.paragraphs];
  if (content.button) blocks.push(`${content.button.label}: ${content.button.url}`);
  const expiry = content.button ? expiryLine(vars) : undefined;
  if (expiry) blocks.push(expiry);
  blocks.push(content.unexpected, vars.organisationName);
  return blocks.join('\n\n') + '\n';
}

const FONT = "font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;";
const LINK_COLOUR = '#1a56db';

function renderHtml(content: Content, vars: TemplateVars): string {
  const e = escapeHtml;
  const body: string[] = [`<p>Hi ${e(vars.recipientName)},</p>`, ...content.paragraphs.map((p) => `<p>${e(p)}</p>`)];
  if (content.button) {
    const url = e(content.button.url);
    body.push(
      `<p style="margin: 28px 0;"><a href="${url}" style="display: inline-block; padding: 12px 22px; border-radius: 6px; background: ${LINK_COLOUR}; color: #ffffff; font-weight: 600; text-decoration: none;">${e(content.button.label)}</a></p>`,
      // Some clients block styled links; the address written out still works.
      `<p style="font-size: 14px; color: #4b5563;">If the button does not work, copy this address into your browser:<br><a href="${url}" style="color: ${LINK_COLOUR}; word-break: break-all;">${url}</a></p>`,
    );
    const expiry = expiryLine(vars);
    if (expiry) body.push(`<p>${e(expiry)}</p>`);
  }
  body.push(
    `<p style="font-size: 14px; color: #4b5563;">${e(content.unexpected)}</p>`,
    `<p style="font-size: 14px; color: #4b5563;">${e(vars.organisationName)}</p>`,
  );
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(content.subject)}</title>`,
    '</head>',
    `<body style="margin: 0; padding: 0; background: #f3f4f6;">`,
    `<main style="max-width: 560px; margin: 0 auto; padding: 32px 24px; background: #ffffff; color: #111827; line-height: 1.5; font-size: 16px; ${FONT}">`,
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
