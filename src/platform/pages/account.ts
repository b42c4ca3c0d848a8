// The account page of a signed-in person and the pages of its two-factor changes. Each
// change asks for the current password on its own page, so every form has one password
// field and its label stays tied to it.
import QRCode from 'qrcode';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import { html, trusted, type SafeHtml } from './html.ts';
import { checkbox, errorSummary, field, form, type FieldErrors } from './forms.ts';
import { formatDateTime } from '../mail/templates.ts';
import type { TwoFactorState } from '../services/self-service-mfa.ts';
import { formatSetupKey, otpauthUri } from '../services/totp.ts';

export interface AccountLinks {
  /** "/e/<slug>/account" */
  base: string;
  csrf: string;
}

/** What the overview says after a change, keyed by the `done` query value. */
export const DONE_MESSAGES: Record<string, string> = {
  app: 'Two-factor authentication is on: from now on you enter a code from your authenticator app after your password.',
  sms: 'Two-factor authentication is on: from now on we text you a code after your password.',
  phone: 'Your phone number for sign-in codes has changed. Codes now go to the new number only.',
  codes: 'Your new recovery codes are in use; the old ones no longer work.',
  off: 'Two-factor authentication is off. We emailed you to confirm.',
};

function methodSentence(state: TwoFactorState, timezone: string): SafeHtml {
  const since = state.since ? html`, since ${formatDateTime(state.since, timezone)}` : '';
  if (state.method === 'app') return html`<p id="mfa-state"><strong>On</strong>: codes from an authenticator app${since}.</p>`;
  if (state.method === 'sms') return html`<p id="mfa-state"><strong>On</strong>: codes by text message to <span class="phone">${state.maskedPhone ?? ''}</span>${since}.</p>`;
  return html`<p id="mfa-state"><strong>Off</strong>: you sign in with your password only.</p>`;
}

export function accountOverview(input: {
  name: string;
  email: string;
  state: TwoFactorState;
  timezone: string;
  links: AccountLinks;
  done?: string;
  eventSlug: string;
}): SafeHtml {
  const { state, links } = input;
  const done = input.done && Object.hasOwn(DONE_MESSAGES, input.done) ? html`<div class="notice" role="status"><p>${DONE_MESSAGES[input.done]}</p></div>` : '';
  const smsAllowed = state.allowed.includes('sms');
  const actions: SafeHtml[] = [];
  if (!state.hasPassword) {
    actions.push(html`<p>Changes here are confirmed with your password, and your account has none yet. <a href="/e/${input.eventSlug}/forgot-password">Set a password</a> first.</p>`);
  } else if (!state.on) {
    actions.push(html`<li><a href="${links.base}/2fa/app">Turn on with an authenticator app</a></li>`);
    if (smsAllowed) actions.push(html`<li><a href="${links.base}/2fa/sms">Turn on with text messages (SMS)</a></li>`);
  } else {
    if (state.method === 'sms') {
      actions.push(html`<li><a href="${links.base}/2fa/sms">Change phone number</a></li>`);
      actions.push(html`<li><a href="${links.base}/2fa/app">Switch to an authenticator app</a></li>`);
    } else {
      actions.push(html`<li><a href="${links.base}/2fa/app">Set up a new authenticator app</a></li>`);
      if (smsAllowed) actions.push(html`<li><a href="${links.base}/2fa/sms">Switch to text messages (SMS)</a></li>`);
    }
    actions.push(html`<li><a href="${links.base}/2fa/recovery-codes">Make new recovery codes</a></li>`);
    if (!state.required) actions.push(html`<li><a href="${links.base}/2fa/off">Turn off two-factor authentication</a></li>`);
  }
  const list = state.hasPassword ? html`<ul class="actions">${actions}</ul>` : actions;
  return html`${done}<p>Signed in as ${input.name ? html`${input.name} (${input.email})` : input.email}.</p>
<h2>Two-factor authentication</h2>
${methodSentence(state, input.timezone)}
${state.on ? html`<p id="recovery-left">Recovery codes left: ${state.recoveryCodesLeft}.</p>` : ''}
${state.required ? html`<p>Your organisation requires two-factor authentication, so it stays on. You can change how you receive codes.</p>` : ''}
${list}
<p><a href="/e/${input.eventSlug}">Back to the event</a></p>
${form(`/e/${input.eventSlug}/logout`, links.csrf, html``, 'Sign out')}`;
}

function passwordField(errors?: FieldErrors): SafeHtml {
  return field({ name: 'password', label: 'Current password', type: 'password', required: true, autocomplete: 'current-password', errors });
}

/** A change confirmed with the password alone (start the app setup, new codes, turn off). */
export function passwordStep(input: { intro: SafeHtml; action: string; csrf: string; submit: string; errors?: FieldErrors; back: string }): SafeHtml {
  return html`${errorSummary(input.errors)}${input.intro}
${form(input.action, input.csrf, passwordField(input.errors), input.submit)}
<p><a href="${input.back}">Cancel</a></p>`;
}

export async function appSetupStep(input: { secret: string; issuer: string; account: string; action: string; csrf: string; error?: string; back: string }): Promise<SafeHtml> {
  const svg = await QRCode.toString(otpauthUri(input.secret, input.issuer, input.account), { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  const errors = input.error ? { code: input.error } : undefined;
  return html`${errorSummary(errors)}<ol>
<li>Open an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator or Authy) and add an account.</li>
<li>Scan this QR code with it:<div class="qr" role="img" aria-label="QR code to scan with your authenticator app">${trusted(svg)}</div>
<details id="setup-key-details"><summary>Can't scan it?</summary><p>Type this setup key into the app instead (time-based): <span class="setup-key" id="setup-key">${formatSetupKey(input.secret)}</span></p></details></li>
<li>Enter the 6-digit code the app shows now.</li>
</ol>
${form(input.action, input.csrf, field({ name: 'code', label: '6-digit code', required: true, autocomplete: 'one-time-code', inputmode: 'numeric', errors }), 'Continue')}
<p><a href="${input.back}">Cancel</a></p>`;
}

/** The recovery codes, shown once; leaving the page needs the "saved" box ticked. */
export function recoveryCodesStep(input: { codes: string[]; action: string; csrf: string; error?: string; turnsOn: boolean }): SafeHtml {
  const errors = input.error ? { saved: input.error } : undefined;
  return html`${errorSummary(errors)}<p>Each recovery code lets you sign in once when you cannot get a code${input.turnsOn ? '' : ' (for example when you lose your phone)'}. Save them somewhere safe, such as a password manager, now: this is the only time they are shown.</p>
<ul class="codes" id="recovery-codes">${input.codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
${form(
  input.action,
  input.csrf,
  checkbox({ name: 'saved', label: 'I have saved these codes', required: true, errors }),
  input.turnsOn ? 'Turn on two-factor authentication' : 'Continue',
)}`;
}

const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region' });

interface CountryOption {
  region: CountryCode;
  label: string;
}

let countryOptions: CountryOption[] | undefined;
function countries(): CountryOption[] {
  countryOptions ??= getCountries()
    .map((region) => ({ region, name: REGION_NAMES.of(region) ?? region, code: getCountryCallingCode(region) }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en'))
    .map(({ region, name, code }) => ({ region, label: `${name} (+${code})` }));
  return countryOptions;
}

/** The region of a country as people write it ("United Kingdom"), when it is one we know. */
export function regionOfCountryName(name: string | null): CountryCode | undefined {
  if (!name) return undefined;
  const wanted = name.trim().toLowerCase();
  return countries().find((c) => (REGION_NAMES.of(c.region) ?? '').toLowerCase() === wanted)?.region;
}

/**
 * The number as one international string for the SMS service: a number typed with + (or
 * 00) stands alone; otherwise the chosen country's code goes in front, its trunk prefix
 * (the leading 0 of 07911...) dropped.
 */
export function internationalNumber(region: string, number: string): string {
  const typed = number.trim();
  if (typed.startsWith('+') || typed.startsWith('00') || !countries().some((c) => c.region === region)) return typed;
  const parsed = parsePhoneNumberFromString(typed, region as CountryCode);
  return parsed ? parsed.number : `+${getCountryCallingCode(region as CountryCode)}${typed}`;
}

export function smsPhoneStep(input: { action: string; csrf: string; region?: string; number?: string; errors?: FieldErrors; change: boolean; back: string }): SafeHtml {
  const error = input.errors?.phone;
  const options = countries().map((c) => html`<option value="${c.region}"${c.region === input.region ? ' selected' : ''}>${c.label}</option>`);
  const phone = html`<label for="f-country">Country code</label>
<select id="f-country" name="country" autocomplete="tel-country-code"><option value="">Choose a country</option>${options}</select>
<label for="f-phone">Mobile number <span class="required" aria-hidden="true">*</span></label>
<p class="hint" id="f-phone-hint">Without the country code, or with it (starting with +).</p>
<input id="f-phone" name="phone" type="text" inputmode="tel" autocomplete="tel-national" required aria-required="true"${input.number !== undefined ? html` value="${input.number}"` : ''}${error ? html` aria-invalid="true" aria-describedby="f-phone-hint f-phone-error"` : html` aria-describedby="f-phone-hint"`}>
${error ? html`<p class="field-error" id="f-phone-error">${error}</p>` : ''}
${passwordField(input.errors)}`;
  return html`${errorSummary(input.errors)}<p>${input.change ? 'Enter your new mobile number. Codes keep going to your current number until you confirm the new one.' : 'We will text a 6-digit code to this number now, and one each time you sign in.'}</p>
${form(input.action, input.csrf, phone, 'Text me a code')}
<p><a href="${input.back}">Cancel</a></p>`;
}

export function smsCodeStep(input: { maskedPhone: string | null; expiresAt: string | null; action: string; resendAction: string; csrf: string; error?: string; notice?: string; back: string }): SafeHtml {
  const errors = input.error ? { code: input.error } : undefined;
  const sentTo = input.maskedPhone ? html`We texted a 6-digit code to <span class="phone">${input.maskedPhone}</span>.` : html`We texted you a 6-digit code.`;
  return html`${input.notice ? html`<div class="notice" role="status"><p>${input.notice}</p></div>` : ''}${errorSummary(errors)}
<p>${sentTo}${input.expiresAt ? html` It works until ${formatDateTime(input.expiresAt)}.` : ''}</p>
${form(input.action, input.csrf, field({ name: 'code', label: 'Code from the text message', required: true, autocomplete: 'one-time-code', inputmode: 'numeric', errors }), 'Confirm')}
${form(input.resendAction, input.csrf, html``, 'Text me a new code')}
<p><a href="${input.back}">Cancel</a></p>`;
}
