// t1 users show <email|id>: one person, their account state and registrations.
import { userDetailSchema, type UserDetail } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { ViewData } from '../../cli/render/data.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatUtc, statusStage, yesNo } from '../../cli/render/format.ts';

export interface Options {
  ref: string;
}

export type View = UserDetail;

/** The person, for --json <fields> and --jq. */
export const data: ViewData<View> = { fields: Object.keys(userDetailSchema.shape) };

export async function run(options: Options, deps: Deps): Promise<View> {
  return (await deps.client()).getUser(options.ref);
}

export async function render(user: View, out: Output): Promise<void> {
  const { account } = user;
  out.record([
    ['Name', user.fullName],
    ['Email', user.email],
    ['Id', user.id],
    ['Company', user.company ?? '-'],
    ['Job title', user.jobTitle ?? '-'],
    ['Country', user.country ?? '-'],
    ['Email verified', account.emailVerifiedAt ? formatUtc(account.emailVerifiedAt) : 'no'],
    ['Password set', yesNo(account.passwordSet)],
    ['2FA', account.mfaEnrolled ? `enrolled ${formatUtc(account.mfaEnrolledAt)}` : 'not enrolled'],
    ['Sign-in', account.locked ? out.style.red(`LOCKED until ${formatUtc(account.lockedUntil)}`) : 'not locked'],
    ['Failed sign-ins', String(account.failedSignIns)],
    ['Blocked', account.blocked ? out.style.red('yes') : 'no'],
    ['Created', formatUtc(user.createdAt)],
  ]);
  out.line();
  if (user.registrations.length === 0) {
    out.line('No registrations.');
    return;
  }
  await out.table(
    ['Event', 'Role', 'Type', 'Status', 'Registered'],
    user.registrations.map((r) => [r.eventSlug, r.role, r.type, statusStage(r.status, r.stage), formatUtc(r.createdAt)]),
  );
  // A pointer for the agent at a terminal; scripts get the data alone.
  if (out.tty) out.hint(`Next: ${nextStep(user)}`);
}

/** Where an agent goes from the profile. */
function nextStep(user: View): string {
  if (user.account.blocked) return 'the account is blocked by the organiser; tier one does not lift blocks: escalate with t1 escalate';
  if (user.account.locked) return `sign-in is locked: t1 users unlock ${user.email}`;
  if (!user.account.passwordSet) return `no password is set yet: t1 status ${user.email} says which email gets them in`;
  const [only] = user.registrations;
  const event = user.registrations.length === 1 && only ? ` --event ${only.eventSlug}` : '';
  return `what each registration means: t1 status ${user.email}${event}; what happened to them: t1 users timeline ${user.email}; everything at once: t1 diagnose ${user.email}`;
}
