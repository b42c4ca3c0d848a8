// The TOTP rules at an attendee's sign-in. Codes are computed by
// the test's own RFC 6238 implementation (test/helpers/totp.ts), not by the library the
// platform uses, and the platform's clock is frozen so each code's time step is exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS, DEMO_EXAMPLES, DEMO_PASSWORD } from '../../src/platform/seed/demo.ts';
import { elementText, headingOf, listItems, textOf, type Browser, type PageResponse } from '../helpers/browserless.ts';
import { enterCode, json, signIn, startActionWorld, testClock, type ActionWorld } from '../helpers/action-kit.ts';
import { base32Decode, hotp, stepAt, STEP_SECONDS, totpAt, totpForStep } from '../helpers/totp.ts';

const SUMMIT = DEMO_EVENT_SLUGS.upcoming;
const person = DEMO_EXAMPLES.twoFactorPerson; // Hiroshi Tanaka
const STEP_MS = STEP_SECONDS * 1000;

const clock = testClock();
let w: ActionWorld;
let secret: string;
let recoveryCodes: string[];
let password = DEMO_PASSWORD;

/** The current time step of the platform's (frozen) clock. */
const now = () => stepAt(clock.now().getTime());

beforeAll(async () => {
  // The middle of a time step, so "one step away" is never a boundary case.
  clock.freeze(stepAt(Date.now()) * STEP_MS + STEP_MS / 2);
  w = await startActionWorld({ clock });
});
afterAll(async () => {
  await w?.close();
});

/** Follows an enrollment link and turns 2FA on with a code from its setup key. */
async function enroll(browser: Browser, page: PageResponse): Promise<{ secret: string; codes: string[] }> {
  expect(page.status).toBe(200);
  expect(headingOf(page.body)).toBe('Set up two-factor authentication');
  const key = elementText(page.body, 'setup-key')!.replace(/ /g, '');
  const done = await browser.submit(page, { code: totpForStep(key, now()) });
  expect(done.status).toBe(200);
  expect(headingOf(done.body)).toBe('Two-factor authentication is on');
  const codes = listItems(done.body, 'recovery-codes');
  expect(codes).toHaveLength(10);
  return { secret: key, codes };
}

/** Signs in with the password and enters `code` at the 2FA step. */
async function signInWithCode(code: string): Promise<PageResponse> {
  const browser = w.browser();
  const first = await signIn(browser, SUMMIT, person, password);
  expect(first.status).toBe(303);
  expect(first.location).toBe(`${w.url}/e/${SUMMIT}/login/code`);
  return enterCode(browser, SUMMIT, code);
}

function expectSignedIn(response: PageResponse): void {
  expect(response.status).toBe(303);
  expect(response.location).toBe(`${w.url}/e/${SUMMIT}`);
  expect(response.setCookies.t1_session).toMatch(/^[A-Za-z0-9_-]{43}$/);
}

function expectRefused(response: PageResponse): void {
  expect(response.status).toBe(401);
  expect(response.setCookies.t1_session).toBeUndefined();
  expect(headingOf(response.body)).toBe('Two-factor authentication');
  expect(textOf(response.body)).toContain('That code is not valid');
}

it('the test TOTP matches the RFC 6238 test vectors (SHA-1, last 6 digits)', () => {
  const rfcSecret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
  expect(base32Decode(rfcSecret).toString('ascii')).toBe('12345678901234567890');
  expect(totpAt(rfcSecret, 59_000)).toBe('287082');
  expect(totpAt(rfcSecret, 1_111_111_109_000)).toBe('081804');
  expect(totpAt(rfcSecret, 1_234_567_890_000)).toBe('005924');
  expect(totpAt(rfcSecret, 20_000_000_000_000)).toBe('353130');
  expect(hotp(Buffer.from('12345678901234567890'), 0)).toBe('755224'); // RFC 4226 appendix D
});

describe('2FA codes at sign-in', () => {
  beforeAll(async () => {
    const result = await w.t1(['mfa', 'qr', person, '--send', '--yes']);
    expect(result.exitCode).toBe(0);
    const mail = await w.sink.nextMail(person, { after: 0 });
    const browser = w.browser();
    ({ secret, codes: recoveryCodes } = await enroll(browser, await browser.get(mail.link)));
  });

  it('accepts a correct code once; the same code at a new sign-in is refused', async () => {
    clock.advance(STEP_MS);
    const code = totpForStep(secret, now());
    const accepted = await signInWithCode(code);
    expectSignedIn(accepted);

    const again = await signInWithCode(code);
    expectRefused(again);
  });

  it('refuses a code two steps (60 s) away and accepts one a step away, never an older step than one used', async () => {
    clock.advance(10 * STEP_MS);
    const browser = w.browser();
    await signIn(browser, SUMMIT, person, password);
    expectRefused(await enterCode(browser, SUMMIT, totpForStep(secret, now() + 2)));
    expectRefused(await enterCode(browser, SUMMIT, totpForStep(secret, now() - 2)));
    expectSignedIn(await enterCode(browser, SUMMIT, totpForStep(secret, now() + 1)));

    // The current step is older than the one just used.
    expectRefused(await signInWithCode(totpForStep(secret, now())));

    clock.advance(10 * STEP_MS);
    expectSignedIn(await signInWithCode(totpForStep(secret, now() - 1)));
  });

  it('accepts a recovery code once', async () => {
    clock.advance(STEP_MS);
    const [code] = recoveryCodes;
    const accepted = await signInWithCode(code!);
    expectSignedIn(accepted);

    expectRefused(await signInWithCode(code!));
    expect(json(await w.t1(['--json', 'mfa', 'status', person])).recoveryCodesLeft).toBe(9);
  });
});

describe('a password reset on a 2FA account', () => {
  it('redirects to a new enrollment; afterwards the old secret’s codes are refused', async () => {
    const oldSecret = secret;
    const before = w.sink.mailsTo(person).length;
    expect((await w.t1(['password', 'reset', person, '--send', '--yes'])).exitCode).toBe(0);
    const mail = await w.sink.nextMail(person, { after: before });
    expect(mail.subject).toBe('Reset your password');

    const browser = w.browser();
    password = 'hiroshi-new-kyoto-garden-9';
    const done = await browser.submit(await browser.get(mail.link), { password, confirmation: password });
    expect(done.status).toBe(303);
    expect(done.location).toMatch(new RegExp(`^${w.url}/mfa/enroll/[A-Za-z0-9_-]{43}$`));
    const status = json(await w.t1(['--json', 'mfa', 'status', person]));
    expect(status).toMatchObject({ enrolled: false, recoveryCodesLeft: 0 });
    expect(status.pendingEnrollment).not.toBeNull();

    const enrollment = await browser.follow(done);
    const fresh = await enroll(browser, enrollment);
    expect(fresh.secret).not.toBe(oldSecret);
    secret = fresh.secret;

    clock.advance(STEP_MS);
    expectRefused(await signInWithCode(totpForStep(oldSecret, now())));
    expectRefused(await signInWithCode(recoveryCodes[1]!));
    expectSignedIn(await signInWithCode(totpForStep(secret, now())));
  });

  it('does not let the person in on the new password alone before the new enrollment is done', async () => {
    clock.advance(STEP_MS);
    const before = w.sink.mailsTo(person).length;
    expect((await w.t1(['password', 'reset', person, '--send', '--yes'])).exitCode).toBe(0);
    const mail = await w.sink.nextMail(person, { after: before });
    const browser = w.browser();
    password = 'hiroshi-second-reset-osaka-3';
    const done = await browser.submit(await browser.get(mail.link), { password, confirmation: password });
    expect(done.location).toMatch(new RegExp(`^${w.url}/mfa/enroll/`));

    // The person closes the enrollment page and signs in: 2FA was replaced, not removed,
    // so the sign-in must still lead to enrolling the new authenticator.
    const attempt = await signIn(w.browser(), SUMMIT, person, password);
    expect(attempt.setCookies.t1_session).toBeUndefined();
    expect(attempt.location).toMatch(new RegExp(`^${w.url}/mfa/enroll/`));
  });
});
