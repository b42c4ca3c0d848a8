// t1 mail log <email> [--event E]: every email the platform made for a person, newest
// first, with its delivery state.
import type { EmailLogEntry } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatUtc } from '../../cli/render/format.ts';

export interface Options {
  email: string;
  event?: string;
}

export interface View {
  email: string;
  items: EmailLogEntry[];
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const items: EmailLogEntry[] = [];
  for await (const entry of (await deps.client()).iterateEmailLog(options.email, { event: options.event, limit: 200 })) items.push(entry);
  return { email: options.email, items };
}

export async function render(view: View, out: Output): Promise<void> {
  if (view.items.length === 0) {
    out.notice(`No emails for ${view.email}.`);
    return;
  }
  await out.table(
    ['Time', 'Template', 'Subject', 'Event', 'Status', 'Attempts', 'Last error'],
    view.items.map((e) => [
      formatUtc(e.createdAt),
      e.template,
      e.subject,
      e.eventSlug ?? '-',
      e.status === 'sent' && e.sentAt ? `sent ${formatUtc(e.sentAt)}` : e.status,
      String(e.attempts),
      e.lastError ?? '',
    ]),
  );
}
