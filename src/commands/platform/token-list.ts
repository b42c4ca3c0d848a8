// t1 platform token list: every API token in a platform database, read straight from it
// (for the operator of a platform, like "platform token create").
import type { ApiToken } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { withoutControlCharacters } from '../../client/sanitize.ts';
import { openPlatform } from '../../platform/platform.ts';
import { listApiTokens } from '../../platform/services/api-tokens.ts';
import { renderTokens } from '../tokens/list.ts';
import { describeDatabase, platformDatabase } from './database.ts';

export interface Options {
  db?: string;
}

export interface View {
  database: string;
  items: ApiToken[];
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const { location } = platformDatabase(options.db, deps);
  const platform = await openPlatform({ database: location, publicUrl: 'http://127.0.0.1:4747', env: deps.env });
  try {
    const { db, clock } = platform.ctx;
    const items: ApiToken[] = [];
    let cursor: string | undefined;
    do {
      const page = await listApiTokens(db, { limit: 200, cursor, now: clock.now() });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    // Names were typed by whoever created the tokens; the terminal gets them inert.
    return { database: describeDatabase(location), items: withoutControlCharacters(items) };
  } finally {
    await platform.close();
  }
}

export async function render(view: View, out: Output): Promise<void> {
  await renderTokens(view.items, out);
  if (view.items.length > 0) out.notice(`${view.items.length} API token${view.items.length === 1 ? '' : 's'} in ${view.database}.`);
}
