// The t1 command that sends a person a fresh link of a kind, shared by the runbooks and
// diagnose so both offer the same fix.
import type { Fix } from './runbook.ts';

/** The fix that emails a new link of this kind, or null when none can (no event to send it for). */
export function renewLinkFix(kind: unknown, email: string, event: string | null | undefined): Fix | null {
  switch (kind) {
    case 'verify_email':
      return event ? { label: 'Resend the verification email', argv: ['verification', 'resend', email, '--event', event] } : null;
    case 'magic_link':
      return event ? { label: 'Email a new login link', argv: ['magic-link', 'create', email, '--event', event, '--send'] } : null;
    case 'set_password':
      return event ? { label: 'Email a new set-password link', argv: ['set-password-link', 'send', email, '--event', event] } : null;
    case 'reset_password':
      return { label: 'Email a new password reset link', argv: ['password', 'reset', email, '--send', ...(event ? ['--event', event] : [])] };
    case 'mfa_enroll':
      return { label: 'Email a new 2FA enrollment link', argv: ['mfa', 'qr', email, '--send'] };
    default:
      return null;
  }
}
