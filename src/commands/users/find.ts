// t1 users find <query>: people whose email or name matches.
import { userSummarySchema, type UserSummary } from '../../contract/schemas.ts';
import type { EventRole, RegistrationStatus } from '../../contract/vocabulary.ts';
import type { Deps } from '../../cli/deps.ts';
import type { ViewData } from '../../cli/render/data.ts';
import type { Output } from '../../cli/render/output.ts';
import { usageError } from '../../cli/errors.ts';
import { statusStage } from '../../cli/render/format.ts';

export interface Options {
  query: string;
  event?: string;
  status?: RegistrationStatus;
  role?: EventRole;
  limit: number;
  all: boolean;
}

export interface View {
  query: string;
  items: UserSummary[];
  nextCursor: string | null;
}

/** Each person found, for --json <fields>, --jq and --csv. */
export const data: ViewData<View> = { fields: Object.keys(userSummarySchema.shape), rows: (view) => view.items };

export async function run(options: Options, deps: Deps): Promise<View> {
  if (!options.query.trim()) throw usageError('Say whom to find: part of an email address or a name.', 'Example: t1 users find priya');
  const client = await deps.client();
  const filters = { q: options.query, event: options.event, status: options.status, role: options.role };
  if (options.all) {
    const items: UserSummary[] = [];
    for await (const user of client.iterateUsers({ ...filters, limit: 200 })) items.push(user);
    return { query: options.query, items, nextCursor: null };
  }
  const page = await client.searchUsers({ ...filters, limit: options.limit });
  return { query: options.query, items: page.items, nextCursor: page.nextCursor };
}

export async function render(view: View, out: Output): Promise<void> {
  if (view.items.length === 0) {
    out.notice(`No one matches "${view.query}".`);
    return;
  }
  // On a narrow terminal the email stays whole and the company goes first.
  await out.table(
    [{ header: 'Name' }, { header: 'Email', wrap: false }, { header: 'Company', drop: 1 }, { header: 'Registrations' }],
    view.items.map((user) => [
      user.fullName,
      user.email,
      user.company ?? '',
      user.registrations.map((r) => `${r.eventSlug}: ${statusStage(r.status, r.stage)}`).join(out.tty ? '\n' : ', '),
    ]),
  );
  if (view.nextCursor) out.hint('More people match; raise --limit or use --all to see them all.');
}
