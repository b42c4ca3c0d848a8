// t1 links <email>: every link issued to a person and what became of it: who or what
// issued it, when it expires, whether a newer one replaced it, how often it was opened
// and when and from which browser it was used (a mail scanner shows up here).
import { causeText, LINK_KIND_NAMES } from '../../contract/activity.ts';
import { linkViewSchema, type LinkView } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { ViewData } from '../../cli/render/data.ts';
import type { Output } from '../../cli/render/output.ts';
import { browserText } from '../../cli/render/activity.ts';
import { formatUtc } from '../../cli/render/format.ts';

export interface Options {
  email: string;
  event?: string;
}

export interface View {
  email: string;
  items: LinkView[];
}

/** Each link, for --json <fields>, --jq and --csv. */
export const data: ViewData<View> = { fields: Object.keys(linkViewSchema.shape), rows: (view) => view.items };

export async function run(options: Options, deps: Deps): Promise<View> {
  const client = await deps.client();
  const items: LinkView[] = [];
  for await (const link of client.iterateUserLinks(options.email, { event: options.event, limit: 200 })) items.push(link);
  return { email: options.email, items };
}

function stateText(link: LinkView): string {
  switch (link.state) {
    case 'used':
      return `used ${formatUtc(link.usedAt)}`;
    case 'replaced':
      return `replaced by ${link.replacedBy ?? 'a newer link'}`;
    case 'expired':
      return `expired ${formatUtc(link.expiresAt)}`;
    case 'revoked':
      return 'cancelled';
    case 'active':
      return 'active';
  }
}

function openedText(link: LinkView): string {
  const { count, firstAt, lastAt, lastBrowser } = link.opened;
  if (count === 0) return 'never';
  const when = count === 1 ? formatUtc(firstAt) : `${count} times, ${formatUtc(firstAt)} to ${formatUtc(lastAt)}`;
  const browser = browserText(lastBrowser);
  return `${count === 1 ? 'once, ' : ''}${when}${browser ? ` (last: ${browser})` : ''}`;
}

export async function render(view: View, out: Output): Promise<void> {
  if (view.items.length === 0) {
    out.notice(`No links were issued to ${view.email}.`);
    return;
  }
  await out.table(
    ['Link', 'Kind', 'Event', 'Created', 'By', 'Expires', 'State', 'Opened', 'Used from'],
    view.items.map((l) => [
      l.id,
      LINK_KIND_NAMES[l.kind] ?? l.kind,
      l.eventSlug ?? '-',
      formatUtc(l.createdAt),
      l.cause ? causeText(l.cause, l.cause === 'agent' || l.cause === 'invitation' ? l.createdBy : null) : (l.createdBy ?? '-'),
      formatUtc(l.expiresAt),
      stateText(l),
      openedText(l),
      l.usedAt ? [browserText(l.usedBrowser) || 'unknown browser', l.usedNetwork ?? ''].filter(Boolean).join(', ') : '-',
    ]),
  );
}
