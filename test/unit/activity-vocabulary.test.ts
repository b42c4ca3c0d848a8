// The activity log's small rules: networks are cut to /24 and /48, and every kind reads
// as a plain sentence an agent can say to a caller.
import { describe, expect, it } from 'vitest';
import { ACTIVITY_KINDS, ACTIVITY_REASON_CODES, causeText, describeActivity } from '../../src/contract/activity.ts';
import { truncatedNetwork } from '../../src/platform/activity/client-info.ts';

describe('truncatedNetwork', () => {
  it('keeps only the /24 of an IPv4 address', () => {
    expect(truncatedNetwork('203.0.113.77')).toBe('203.0.113.0/24');
    expect(truncatedNetwork('::ffff:198.51.100.9')).toBe('198.51.100.0/24');
  });

  it('keeps only the /48 of an IPv6 address', () => {
    expect(truncatedNetwork('2001:db8:1234:5678::1')).toBe('2001:db8:1234::/48');
    expect(truncatedNetwork('2001:db8::7')).toBe('2001:db8:0::/48');
    expect(truncatedNetwork('::1')).toBe('0:0:0::/48');
    expect(truncatedNetwork('fe80::1%eth0')).toBe('fe80:0:0::/48');
  });

  it('keeps nothing of what is not an address', () => {
    expect(truncatedNetwork(undefined)).toBeNull();
    expect(truncatedNetwork('')).toBeNull();
    expect(truncatedNetwork('not-an-ip')).toBeNull();
  });
});

describe('describeActivity', () => {
  const entry = (kind: string, extra: Partial<Parameters<typeof describeActivity>[0]> = {}) =>
    describeActivity({ kind, outcome: 'ok', reason: null, detail: {}, actor: null, ...extra });

  it('has words for every kind', () => {
    for (const kind of ACTIVITY_KINDS) {
      const text = entry(kind);
      expect(text, kind).not.toBe(kind);
      expect(text.length, kind).toBeGreaterThan(5);
    }
  });

  it('counts failed sign-ins in a row and names the reason', () => {
    expect(entry('sign_in.failed', { outcome: 'refused', reason: 'wrong_password', detail: { failures: 3 } })).toBe('Sign-in refused: wrong password (3rd in a row)');
    expect(entry('sign_in.failed', { outcome: 'refused', reason: 'wrong_password', detail: { failures: 11 } })).toContain('(11th in a row)');
    expect(entry('sign_in.failed', { outcome: 'refused', reason: 'no_password', detail: { failures: 1 } })).toBe('Sign-in refused: no password set yet');
  });

  it('says when and by what a dead link was used or replaced', () => {
    expect(entry('link.refused', { outcome: 'refused', reason: 'already_used', detail: { linkKind: 'magic_link', usedAt: '2026-12-01T18:02:00.000Z' } })).toBe(
      'Login link refused: already used at 2026-12-01 18:02 UTC',
    );
    expect(entry('link.refused', { outcome: 'refused', reason: 'replaced', detail: { linkKind: 'verify_email', replacedBy: 'lnk_new' } })).toContain('replaced by a newer link (lnk_new)');
  });

  it('names the fields and password rule of a refused registration', () => {
    expect(entry('registration.refused', { outcome: 'refused', reason: 'required_field_missing', detail: { fields: ['company', 'country'] } })).toBe(
      'Registration refused: a required field was left empty: company, country',
    );
    expect(entry('registration.refused', { outcome: 'refused', reason: 'password_rejected', detail: { passwordReason: 'too_common' } })).toContain('(too common)');
  });

  it('reads agent actions from the audit log with the agent', () => {
    expect(entry('agent.user.unlock', { actor: 'jane.agent@northwind.example' })).toBe('Account unlocked by jane.agent@northwind.example');
    expect(entry('agent.password.reset', { outcome: 'refused', actor: 'token:ops', detail: { message: 'blocked' } })).toBe('Password reset started by token:ops (refused: blocked)');
  });

  it('has words for every reason and cause', () => {
    for (const reason of ACTIVITY_REASON_CODES) {
      expect(entry('password.refused', { outcome: 'refused', reason }), reason).toMatch(/^Password refused: [a-z"]/);
      expect(entry('password.refused', { outcome: 'refused', reason }), reason).not.toContain('_');
    }
    expect(causeText('agent', 'jane@northwind.example')).toBe('agent jane@northwind.example');
    expect(causeText('something-new')).toBe('the platform');
  });
});
