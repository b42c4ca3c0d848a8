// Why the last sign-ins failed, from the activity log, and whether the account is locked.
import { ACTIVITY_REASONS, type ActivityReason } from '../../contract/activity.ts';
import type { Check } from '../runbook.ts';

export const signInCheck: Check = {
  id: 'sign-in',
  title: 'Recent sign-in attempts',
  async run({ answers, facts }) {
    const email = answers.email!;
    const user = await facts.user(email);
    const failures = (await facts.timeline(email)).filter((e) => e.kind === 'sign_in.failed');
    if (user?.account.locked) {
      return { check: 'sign-in', verdict: 'fail', summary: `The account is locked after repeated failed sign-ins (until ${user.account.lockedUntil?.slice(0, 16).replace('T', ' ')} UTC).`, evidence: failures.slice(0, 5).map((f) => `${f.at} ${f.reason}`) };
    }
    if (failures.length === 0) return { check: 'sign-in', verdict: 'ok', summary: 'No failed sign-ins recorded.', evidence: [] };
    const last = failures[0]!;
    const reason = last.reason && Object.hasOwn(ACTIVITY_REASONS, last.reason) ? ACTIVITY_REASONS[last.reason as ActivityReason] : (last.reason ?? 'unknown');
    return { check: 'sign-in', verdict: 'warn', summary: `Last failed sign-in at ${last.at.slice(0, 16).replace('T', ' ')} UTC: ${reason}.`, evidence: failures.slice(0, 5).map((f) => `${f.at} ${f.reason}`) };
  },
};
