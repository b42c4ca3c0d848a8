// t1 events list: every event, soonest first, with registration state and counts.
import { eventSummarySchema, type EventSummary } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { ViewData } from '../../cli/render/data.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatInZone } from '../../cli/render/format.ts';

export type Options = Record<string, never>;

export interface View {
  items: EventSummary[];
}

/** Each event, for --json <fields>, --jq and --csv. */
export const data: ViewData<View> = { fields: Object.keys(eventSummarySchema.shape), rows: (view) => view.items };

export async function run(_options: Options, deps: Deps): Promise<View> {
  const items: EventSummary[] = [];
  for await (const event of (await deps.client()).iterateEvents({ limit: 200 })) items.push(event);
  return { items };
}

export async function render(view: View, out: Output): Promise<void> {
  if (view.items.length === 0) {
    out.notice('No events yet.');
    return;
  }
  await out.table(
    ['Slug', 'Title', 'Starts', 'Phase', 'Registration', 'Login', 'Registrants'],
    view.items.map((e) => [
      e.slug,
      e.title,
      formatInZone(e.startsAt, e.timezone),
      e.phase,
      e.registrationOpen ? 'open' : 'closed',
      e.loginMethod === 'magic_link' ? 'login link' : 'password',
      String(e.registrantCount),
    ]),
  );
}
