// t1 users timeline <email>: what happened to a person, newest first, one line each:
// what they did and saw on the pages, the links and emails sent to them and what came
// of them, and what agents did. An address with no account shows its refused attempts.
import { ACTIVITY_GROUPS, ACTIVITY_KINDS, describeActivity } from '../../contract/activity.ts';
import { timelineEntrySchema, type TimelineEntry, type TimelineQuery } from '../../contract/schemas.ts';
import { ApiError } from '../../client/errors.ts';
import type { Deps } from '../../cli/deps.ts';
import { notFoundError, usageError } from '../../cli/errors.ts';
import type { ViewData } from '../../cli/render/data.ts';
import type { Output } from '../../cli/render/output.ts';
import { browserText } from '../../cli/render/activity.ts';
import { parseDurationMinutes } from '../support.ts';

export interface Options {
  email: string;
  event?: string;
  since?: string;
  kind?: string;
  limit: number;
  all: boolean;
  reverse: boolean;
}

export interface View {
  email: string;
  /** False when no account has the address: only its refused attempts are shown. */
  hasAccount: boolean;
  items: (TimelineEntry & { summary: string })[];
  /** True when --limit cut the list short. */
  more: boolean;
}

const FILTERS: readonly string[] = [...ACTIVITY_GROUPS, ...ACTIVITY_KINDS];

function kinds(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = list.filter((k) => !FILTERS.includes(k));
  if (list.length === 0 || unknown.length > 0) {
    throw usageError(`--kind "${text}" names ${unknown.length > 0 ? `unknown kinds: ${unknown.join(', ')}` : 'nothing'}.`, `Use a comma-separated list of: ${ACTIVITY_GROUPS.join(', ')}.`);
  }
  return list.join(',');
}

/** Each entry with its sentence, for --json <fields>, --jq and --csv. */
export const data: ViewData<View> = { fields: [...Object.keys(timelineEntrySchema.shape), 'summary'], rows: (view) => view.items };

export async function run(options: Options, deps: Deps): Promise<View> {
  const query: TimelineQuery = {
    event: options.event,
    since: options.since ? new Date(deps.now().getTime() - parseDurationMinutes(options.since, '--since') * 60_000).toISOString() : undefined,
    kind: kinds(options.kind),
    order: options.reverse ? 'oldest' : 'newest',
    limit: options.all ? 200 : Math.min(options.limit + 1, 200),
  };
  const client = await deps.client();
  let hasAccount = true;
  let entries: AsyncIterable<TimelineEntry>;
  try {
    await client.getUser(options.email);
    entries = client.iterateUserActivity(options.email, query);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    hasAccount = false;
    entries = client.iterateAddressActivity({ ...query, email: options.email });
  }
  const items: View['items'] = [];
  let more = false;
  for await (const entry of entries) {
    if (!options.all && items.length >= options.limit) {
      more = true;
      break;
    }
    items.push({ ...entry, summary: describeActivity(entry) });
  }
  if (!hasAccount && items.length === 0) {
    throw notFoundError(`No account has ${options.email}, and nothing was recorded for that address.`, 'Check the spelling with "t1 users find", or widen --since / --kind.');
  }
  return { email: options.email, hasAccount, items, more };
}

function extras(entry: TimelineEntry): string {
  const parts = [browserText(entry.browser), entry.eventSlug ?? '', entry.ticket ? `ticket ${entry.ticket}` : '', entry.note ? `"${entry.note}"` : ''];
  return parts.filter(Boolean).join(' · ');
}

export async function render(view: View, out: Output): Promise<void> {
  if (!view.hasAccount) out.notice(`No account has ${view.email}; showing what was recorded for the address.`);
  if (view.items.length === 0) {
    out.notice(`Nothing recorded for ${view.email}${view.hasAccount ? ' that matches' : ''}.`);
    return;
  }
  if (!out.tty) {
    await out.table(
      ['Time', 'Kind', 'Outcome', 'Reason', 'Event', 'Summary', 'Browser'],
      view.items.map((e) => [e.at, e.kind, e.outcome, e.reason ?? '', e.eventSlug ?? '', e.summary, browserText(e.browser)]),
    );
  } else {
    let day = '';
    for (const e of view.items) {
      if (e.at.slice(0, 10) !== day) {
        day = e.at.slice(0, 10);
        out.heading(`${day} (UTC)`);
      }
      // One entry, one line: text from outside (an SMTP error, an agent's note) cannot add lines.
      const summary = e.summary.replace(/[\r\n]+/g, ' ');
      const text = e.outcome === 'ok' ? summary : out.style.red(summary);
      const more = extras(e).replace(/[\r\n]+/g, ' ');
      out.line(`  ${e.at.slice(11, 16)} ${text}${more ? out.style.dim(` · ${more}`) : ''}`);
    }
  }
  if (view.more) out.hint(`More entries are older; show them with --all or a larger --limit.`);
}
