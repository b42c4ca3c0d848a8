// t1 tokens list (admin): every API token of the organisation, newest first, with its
// role, staff member, expiry, last use and state. Secrets are never shown; they are not kept.
import type { ApiToken } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatUtc } from '../../cli/render/format.ts';

export type Options = Record<string, never>;

export interface View {
  items: ApiToken[];
}

export async function run(_options: Options, deps: Deps): Promise<View> {
  const items: ApiToken[] = [];
  for await (const token of (await deps.client()).iterateTokens({ limit: 200 })) items.push(token);
  return { items };
}

export function expiryText(expiresAt: string | null): string {
  return expiresAt === null ? 'never' : formatUtc(expiresAt);
}

/** The token table, shared with "t1 platform token list". */
export async function renderTokens(items: ApiToken[], out: Output): Promise<void> {
  if (items.length === 0) {
    out.notice('No API tokens yet.');
    return;
  }
  await out.table(
    ['ID', 'Name', 'Role', 'Staff', 'Created', 'Expires', 'Last used', 'State'],
    items.map((t) => [
      t.id,
      t.name ?? '-',
      t.role,
      t.staff?.email ?? '-',
      formatUtc(t.createdAt),
      expiryText(t.expiresAt),
      formatUtc(t.lastUsedAt),
      t.state === 'revoked' && t.revokedBy ? `revoked by ${t.revokedBy}` : t.state,
    ]),
  );
}

export async function render(view: View, out: Output): Promise<void> {
  await renderTokens(view.items, out);
}
