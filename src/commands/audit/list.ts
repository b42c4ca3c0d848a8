// t1 audit [--user E] [--agent E] [--since 7d]: who did what to whom, and why.
import { auditEntrySchema, type AuditEntry } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { ViewData } from '../../cli/render/data.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatUtc } from '../../cli/render/format.ts';
import { parseDurationMinutes } from '../support.ts';

export interface Options {
  user?: string;
  agent?: string;
  since?: string;
  limit: number;
}

export interface View {
  items: AuditEntry[];
}

/** Each entry, for --json <fields>, --jq and --csv. */
export const data: ViewData<View> = { fields: Object.keys(auditEntrySchema.shape), rows: (view) => view.items };

export async function run(options: Options, deps: Deps): Promise<View> {
  const since = options.since
    ? new Date(deps.now().getTime() - parseDurationMinutes(options.since, '--since') * 60_000).toISOString()
    : undefined;
  const items: AuditEntry[] = [];
  const query = { user: options.user, agent: options.agent, since, limit: Math.min(options.limit, 200) };
  for await (const entry of (await deps.client()).iterateAudit(query)) {
    items.push(entry);
    if (items.length >= options.limit) break;
  }
  return { items };
}

export async function render(view: View, out: Output): Promise<void> {
  if (view.items.length === 0) {
    out.notice('No audit entries match.');
    return;
  }
  await out.table(
    ['Time', 'Agent', 'Action', 'Target', 'Event', 'Result', 'Ticket', 'Reason'],
    view.items.map((a) => [
      formatUtc(a.at),
      a.actor,
      a.action,
      a.target ?? '-',
      a.eventSlug ?? '-',
      a.result === 'ok' ? 'ok' : `${a.result}${a.detail?.error ? ` (${String(a.detail.error)})` : ''}`,
      a.ticket ?? '-',
      a.reason ?? '-',
    ]),
  );
}
