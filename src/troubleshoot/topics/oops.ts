// The "Oops!" error on a "send me an email" form (send the activation email again,
// forgot your password, email me a login link, the "send me a new link" form of an
// expired link): the page lost the address, and the caller enters it again and presses
// Send. The log says which link they were renewing and whether they hit the limit on
// such requests; the agent can send the link instead.
import { formatUtc } from '../../cli/render/format.ts';
import { LINK_KIND_NAMES } from '../../contract/activity.ts';
import type { TimelineEntry } from '../../contract/schemas.ts';
import { renewLinkFix } from '../link-fixes.ts';
import { EMAIL_QUESTION, EVENT_QUESTION, type CheckContext, type Runbook } from '../runbook.ts';

const RECENT_MS = 24 * 60 * 60_000;
const LIMIT_MS = 60 * 60_000;

async function recent({ answers, facts, now }: CheckContext, within: number): Promise<TimelineEntry[]> {
  return (await facts.timeline(answers.email!)).filter((e) => now.getTime() - Date.parse(e.at) <= within && (!answers.event || !e.eventSlug || e.eventSlug === answers.event));
}

const limited = (e: TimelineEntry) => e.reason === 'rate_limited';
const deadLink = (e: TimelineEntry) => e.kind === 'link.refused' && !limited(e);
const linkName = (e: TimelineEntry | undefined) => LINK_KIND_NAMES[String(e?.detail.linkKind ?? '')] ?? 'link';

export const runbook: Runbook = {
  id: 'oops',
  title: '"Oops!" error after pressing Send',
  group: 'errors',
  phrases: ['oops', 'oops error', 'page says oops', 'error when I press send', 'send activation email does not work', 'new link form shows an error'],
  questions: [EMAIL_QUESTION, { ...EVENT_QUESTION, prompt: 'Which event (slug)? Leave empty if unsure', optional: true }],
  checks: [
    {
      id: 'recent-requests',
      title: 'Recent link requests and refusals',
      async run(context) {
        const entries = await recent(context, RECENT_MS);
        const blocked = entries.filter((e) => limited(e) && context.now.getTime() - Date.parse(e.at) <= LIMIT_MS);
        const dead = entries.filter(deadLink);
        const evidence = [...blocked, ...dead].slice(0, 6).map((e) => `${e.at} ${e.kind} ${e.reason ?? ''}${e.detail.linkKind ? ` (${String(e.detail.linkKind)})` : ''}`.trim());
        if (blocked.length > 0) {
          return { check: 'recent-requests', verdict: 'fail', summary: `Requests were refused for too many attempts (${blocked.length} in the last hour, newest ${formatUtc(blocked[0]!.at)}).`, evidence };
        }
        if (dead.length > 0) {
          return { check: 'recent-requests', verdict: 'warn', summary: `A ${linkName(dead[0])} was refused at ${formatUtc(dead[0]!.at)} (${String(dead[0]!.reason)}): the caller was asking for a new one.`, evidence };
        }
        return { check: 'recent-requests', verdict: 'ok', summary: 'No refused link or request in the last 24 hours.', evidence };
      },
    },
  ],
  async conclude(context) {
    const email = context.answers.email!;
    const event = context.answers.event;
    const entries = await recent(context, RECENT_MS);
    const blocked = entries.find((e) => limited(e) && context.now.getTime() - Date.parse(e.at) <= LIMIT_MS);
    const dead = entries.find(deadLink);
    const about = blocked ?? dead;
    const fix = about ? renewLinkFix(about.detail.linkKind, email, event ?? about.eventSlug) : null;
    const fixes = fix && (await context.facts.user(email)) ? [fix] : [];
    const steps = 'Please type your email address into the box again, exactly as you registered it, and press Send.';
    if (blocked) {
      return {
        explain: `The form was used too often for this address: requests are refused for up to an hour (newest ${formatUtc(blocked.at)}). Sending the link as an agent is not limited the same way.`,
        tell: `There were too many requests in a short time, so the form is paused for about an hour. ${fixes.length > 0 ? 'I will send you the email myself now, so you do not need to use the form.' : 'Please wait a while, then enter your email address and press Send once.'}`,
        fixes,
      };
    }
    return {
      explain: `"Oops!" means the page lost the email address (the box was empty when it was sent), so nothing was sent.${dead ? ` The log shows a ${linkName(dead)} refused at ${formatUtc(dead.at)} (${String(dead.reason)}): the caller was asking for a new one.` : ''}`,
      tell: `${steps} We will then email you a new link.${fixes.length > 0 ? ' If it does not work, I can send it to you myself.' : ''}`,
      fixes,
    };
  },
};
