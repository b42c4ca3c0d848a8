// Every link issued to a person with what became of it: who or what issued it, when it
// expires, whether a newer one replaced it, how often its page was opened (first, last,
// from which browser) and when and from where it was used.
import { sql } from 'kysely';
import { z } from 'zod';
import type { BrowserView, LinkView, Page } from '../../contract/schemas.ts';
import { decodeCursor, encodeCursor } from '../services/cursor.ts';
import { LINK_KINDS } from '../services/link-tokens.ts';
import type { Db } from '../storage/database.ts';
import type { ActivityRow } from '../storage/schema.ts';

const cursorShape = z.tuple([z.string().max(40), z.string().max(100)]);

type Visit = Pick<ActivityRow, 'token_id' | 'kind' | 'created_at' | 'browser_family' | 'browser_version' | 'browser_os' | 'browser_supported' | 'network'>;

function browserOf(row: Visit | undefined): BrowserView | null {
  if (!row?.browser_family) return null;
  return { family: row.browser_family, version: row.browser_version, os: row.browser_os, supported: row.browser_supported === null ? null : Number(row.browser_supported) === 1 };
}

function state(row: { used_at: string | null; revoked_at: string | null; replaced_by: string | null; expires_at: string | null }, now: string): LinkView['state'] {
  if (row.used_at) return 'used';
  if (row.revoked_at) return row.replaced_by ? 'replaced' : 'revoked';
  if (row.expires_at && row.expires_at <= now) return 'expired';
  return 'active';
}

export async function personLinks(
  db: Db,
  query: { userId: string; eventId?: string; limit: number; cursor?: string; now: Date },
): Promise<Page<LinkView>> {
  const after = query.cursor ? decodeCursor(query.cursor, cursorShape) : undefined;
  const rows = await db
    .selectFrom('tokens')
    .leftJoin('events', 'events.id', 'tokens.event_id')
    .select([
      'tokens.id',
      'tokens.kind',
      'tokens.created_at',
      'tokens.created_by',
      'tokens.cause',
      'tokens.expires_at',
      'tokens.used_at',
      'tokens.revoked_at',
      'tokens.replaced_by',
      'events.slug as event_slug',
    ])
    .where('tokens.user_id', '=', query.userId)
    .where('tokens.kind', 'in', [...LINK_KINDS])
    .$if(query.eventId !== undefined, (q) => q.where('tokens.event_id', '=', query.eventId!))
    .$if(after !== undefined, (q) => q.where(sql<boolean>`(tokens.created_at, tokens.id) < (${after![0]}, ${after![1]})`))
    .orderBy('tokens.created_at', 'desc')
    .orderBy('tokens.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const items = rows.slice(0, query.limit);
  const visits: Visit[] =
    items.length === 0
      ? []
      : await db
          .selectFrom('activity')
          .select(['token_id', 'kind', 'created_at', 'browser_family', 'browser_version', 'browser_os', 'browser_supported', 'network'])
          .where('token_id', 'in', items.map((i) => i.id))
          .where('kind', 'in', ['link.opened', 'link.used'])
          .orderBy('created_at')
          .orderBy('id')
          .execute();
  const now = query.now.toISOString();
  const last = items.at(-1);
  return {
    items: items.map((row) => {
      const opens = visits.filter((v) => v.token_id === row.id && v.kind === 'link.opened');
      const use = visits.find((v) => v.token_id === row.id && v.kind === 'link.used');
      return {
        id: row.id,
        kind: row.kind,
        eventSlug: row.event_slug,
        createdAt: row.created_at,
        cause: row.cause,
        createdBy: row.created_by,
        expiresAt: row.expires_at,
        state: state(row, now),
        replacedBy: row.replaced_by,
        opened: { count: opens.length, firstAt: opens[0]?.created_at ?? null, lastAt: opens.at(-1)?.created_at ?? null, lastBrowser: browserOf(opens.at(-1)) },
        usedAt: row.used_at,
        usedBrowser: browserOf(use),
        usedNetwork: use?.network ?? null,
      };
    }),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.created_at, last.id]) : null,
  };
}
