// Emailed links of one kind (verification, login, set-password...) for the event: what
// became of the newest one, and what the person met when they clicked one (the refusals
// the link pages logged: expired, already used, replaced by a newer link).
import { LINK_KIND_NAMES } from '../../contract/activity.ts';
import type { LinkView, TimelineEntry } from '../../contract/schemas.ts';
import { browserText } from '../../cli/render/activity.ts';
import { formatUtc } from '../../cli/render/format.ts';
import type { Answers, Check, CheckContext } from '../runbook.ts';
import type { PlatformFacts } from '../facts.ts';

export type LinkKind = 'verify_email' | 'magic_link' | 'set_password' | 'reset_password' | 'mfa_enroll';

export const linkName = (kind: LinkKind): string => LINK_KIND_NAMES[kind] ?? 'link';
const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The event the answers name, or the person's only registration. */
export async function eventOf(answers: Answers, facts: PlatformFacts): Promise<string | undefined> {
  if (answers.event) return answers.event;
  const user = answers.email ? await facts.user(answers.email) : null;
  return user?.registrations.length === 1 ? user.registrations[0]!.eventSlug : undefined;
}

/** The person's links of this kind for the event (or any event when none is named), newest first. */
export async function linksOf(facts: PlatformFacts, email: string, kind: LinkKind, event: string | undefined): Promise<LinkView[]> {
  return (await facts.links(email)).filter((l) => l.kind === kind && (!event || l.eventSlug === event || l.eventSlug === null));
}

/** The refusals the link pages logged for links of this kind, newest first. */
export async function linkRefusals(facts: PlatformFacts, email: string, kind: LinkKind, event: string | undefined): Promise<TimelineEntry[]> {
  return (await facts.timeline(email)).filter(
    (e) => e.kind === 'link.refused' && e.detail.linkKind === kind && (!event || !e.eventSlug || e.eventSlug === event),
  );
}

/** "issued 2026-12-01 18:02 UTC by an agent" and so on, for a summary. */
export function describeLink(link: LinkView): string {
  const issued = `issued ${formatUtc(link.createdAt)}`;
  switch (link.state) {
    case 'active':
      return `${issued}, still valid until ${formatUtc(link.expiresAt)}${link.opened.count > 0 ? `, opened ${link.opened.count} time${link.opened.count === 1 ? '' : 's'}` : ', not opened yet'}`;
    case 'used':
      return `${issued}, used ${formatUtc(link.usedAt)}${link.usedBrowser ? ` from ${browserText(link.usedBrowser)}` : ''}`;
    case 'expired':
      return `${issued}, expired ${formatUtc(link.expiresAt)}`;
    case 'replaced':
      return `${issued}, replaced by a newer link`;
    default:
      return `${issued}, withdrawn`;
  }
}

const evidenceOf = (links: LinkView[]) => links.slice(0, 5).map((l) => `${l.id} ${l.state}: ${describeLink(l)}`);

/** The newest link of a kind: ok while it works, warn when used or replaced, fail when expired or withdrawn. */
export function linkStateCheck(kind: LinkKind, id = `${kind.replaceAll('_', '-')}-link`): Check {
  const name = linkName(kind);
  return {
    id,
    title: `The newest ${name}`,
    async run({ answers, facts }: CheckContext) {
      const email = answers.email!;
      if (!(await facts.user(email))) return null;
      const event = await eventOf(answers, facts);
      const links = await linksOf(facts, email, kind, event);
      const newest = links[0];
      if (!newest) return { check: id, verdict: 'warn', summary: `No ${name} was ever issued${event ? ` for ${event}` : ''}.`, evidence: [] };
      const verdict = newest.state === 'active' ? 'ok' : newest.state === 'used' || newest.state === 'replaced' ? 'warn' : 'fail';
      return { check: id, verdict, summary: `${capitalise(name)} ${describeLink(newest)}.`, evidence: evidenceOf(links) };
    },
  };
}

/** What the person met on the link page: the newest refusal of a link of this kind, or null when none. */
export function linkRefusalCheck(kind: LinkKind, id = `${kind.replaceAll('_', '-')}-refusals`): Check {
  const name = linkName(kind);
  return {
    id,
    title: `Clicks on a ${name} that were refused`,
    async run({ answers, facts }: CheckContext) {
      const email = answers.email!;
      const refusals = await linkRefusals(facts, email, kind, await eventOf(answers, facts));
      const last = refusals[0];
      if (!last) return null;
      const links = new Set(refusals.map((r) => r.tokenId ?? r.id)).size;
      const why =
        last.reason === 'expired'
          ? 'it had expired'
          : last.reason === 'already_used'
            ? `it had already been used${typeof last.detail.usedAt === 'string' ? ` at ${formatUtc(last.detail.usedAt)}` : ''}`
            : last.reason === 'replaced'
              ? 'a newer link had replaced it (an older email was used)'
              : last.reason === 'rate_limited'
                ? 'too many requests in a short time'
                : 'the link was incomplete or not one the platform issued';
      const from = last.browser ? ` from ${browserText(last.browser)}` : '';
      const more = refusals.length > 1 ? ` (${refusals.length} refusals, ${links} different link${links === 1 ? '' : 's'})` : '';
      return {
        check: id,
        verdict: 'fail',
        summary: `${capitalise(name)} refused at ${formatUtc(last.at)}${from}: ${why}${more}.`,
        evidence: refusals.slice(0, 5).map((r) => `${r.at} ${r.reason ?? 'refused'} ${r.tokenId ?? ''}`.trim()),
      };
    },
  };
}
