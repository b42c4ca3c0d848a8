// Every email template renders, carries its link in text and HTML, and escapes names.
import escapeHtml from 'escape-html';
import { describe, expect, it } from 'vitest';
import { TEMPLATE_NAMES, formatDateTime, renderEmail, type TemplateVars } from '../../src/platform/mail/templates.ts';

const vars: TemplateVars = {
  recipientName: 'Jane',
  eventTitle: 'Training Day',
  eventStartsAt: '2024-10-25T18:00:00.000Z',
  eventTimezone: 'America/New_York',
  organisationName: 'Acme Events',
  actionUrl: 'https://events.example.com/verify?token=abc123&event=training-day',
  expiresAt: '2024-10-20T12:30:00.000Z',
};

// identity_code carries a code to read back, not a link (its own test is below).
const LINK_TEMPLATES = TEMPLATE_NAMES.filter((t) => t !== 'identity_code');

describe('renderEmail', () => {
  it.each(LINK_TEMPLATES)('%s renders with its link in text and HTML', (template) => {
    const email = renderEmail(template, vars);
    expect(email.subject.length).toBeGreaterThan(0);
    expect(email.text).toContain('Hi Jane,');
    expect(email.text).toContain(vars.actionUrl);
    // In HTML the & of the query string is written as &amp;.
    expect(email.html).toContain(`href="${escapeHtml(vars.actionUrl)}"`);
    expect(email.html).toContain('<html lang="en">');
    expect(email.html).not.toMatch(/<img|<script/i);
    expect(email.text).toContain('expires on Sunday 20 October 2024, 08:30 (America/New_York)');
  });

  it('says what each email is about in its subject', () => {
    expect(renderEmail('verify_account', vars).subject).toBe('Verify your account for Training Day');
    expect(renderEmail('registration_complete', vars).subject).toBe('Registration complete: Training Day');
    expect(renderEmail('login_link', vars).subject).toBe('Your login link for Training Day');
    expect(renderEmail('set_password', vars).subject).toBe('Set your password for Training Day');
    expect(renderEmail('invitation_password', vars).subject).toBe("You're invited to Training Day");
    expect(renderEmail('invitation_login_link', vars).subject).toBe("You're invited to Training Day");
    expect(renderEmail('password_reset', vars).subject).toBe('Reset your password');
    expect(renderEmail('mfa_enrollment', vars).subject).toBe('Set up two-factor authentication');
    expect(renderEmail('mfa_removed', vars).subject).toBe('Two-factor authentication was removed');
  });

  it('labels the buttons as the tier-one guide names them', () => {
    expect(renderEmail('registration_complete', vars).html).toContain('>Sign in</a>');
    expect(renderEmail('invitation_password', vars).html).toContain('>Set me up</a>');
    expect(renderEmail('invitation_login_link', vars).html).toContain('>Open the event site</a>');
    expect(renderEmail('verify_account', vars).html).toContain('>Verify account</a>');
  });

  it('gives the event date in the event timezone', () => {
    const email = renderEmail('registration_complete', { ...vars, expiresAt: undefined });
    expect(email.text).toContain('starts on Friday 25 October 2024, 14:00 (America/New_York)');
    expect(email.text).not.toContain('expires');
  });

  it('escapes every value in HTML', () => {
    const hostile = {
      ...vars,
      recipientName: '<script>alert(1)</script>',
      eventTitle: 'Fish & <b>Chips</b>',
      organisationName: '"Quoted" <Org>',
      actionUrl: 'https://events.example.com/a?x="><script>',
    };
    for (const template of LINK_TEMPLATES) {
      const { html, text } = renderEmail(template, hostile);
      expect(html).not.toContain('<script');
      expect(html).not.toContain('<b>');
      expect(html).not.toContain('<Org>');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).toContain('&quot;&gt;&lt;script&gt;');
      // Plain text is not HTML: the name appears as written.
      expect(text).toContain('Hi <script>alert(1)</script>,');
    }
  });

  it('refuses a missing or non-web link', () => {
    expect(() => renderEmail('login_link', { ...vars, actionUrl: undefined })).toThrow(/actionUrl/);
    expect(() => renderEmail('login_link', { ...vars, actionUrl: 'javascript:alert(1)' })).toThrow(/http/);
  });

  it('sends mfa_removed without a link', () => {
    const email = renderEmail('mfa_removed', { recipientName: 'Jane', organisationName: 'Acme Events' });
    expect(email.html).not.toContain('<a ');
    expect(email.text).toContain('turned off');
    expect(email.text).not.toContain('expires');
  });

  it('sends identity_code with the code and no link, and refuses it without a code', () => {
    const email = renderEmail('identity_code', { ...vars, recipientName: '<b>Jane</b>', code: '042917', expiresAt: '2024-10-20T12:30:00.000Z' });
    expect(email.subject).toBe('Your verification code');
    expect(email.subject).not.toContain('042917');
    expect(email.text).toContain('042917');
    expect(email.html).toContain('<p>042917</p>');
    expect(email.html).not.toContain('<a ');
    expect(email.html).not.toContain('<b>');
    expect(email.text).toContain('expires on Sunday 20 October 2024, 12:30 (UTC)');
    expect(() => renderEmail('identity_code', vars)).toThrow(/code/);
  });

  it('names the organisation when there is no event', () => {
    const email = renderEmail('set_password', { ...vars, eventTitle: undefined, eventStartsAt: undefined });
    expect(email.subject).toBe('Set your password for Acme Events');
  });
});

describe('formatDateTime', () => {
  it('falls back to UTC for an unknown or invalid zone', () => {
    expect(formatDateTime('2024-10-25T18:00:00Z')).toBe('Friday 25 October 2024, 18:00 (UTC)');
    expect(formatDateTime('2024-10-25T18:00:00Z', 'Mars/Olympus')).toBe('Friday 25 October 2024, 18:00 (UTC)');
  });

  it('uses the zone when valid', () => {
    expect(formatDateTime('2024-01-01T00:15:00Z', 'Asia/Kolkata')).toBe('Monday 1 January 2024, 05:45 (Asia/Kolkata)');
  });
});
