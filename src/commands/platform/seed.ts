// t1 platform seed --demo: fills a platform database with the demo organisation.
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { openPlatform } from '../../platform/platform.ts';
import { DEMO_PASSWORD, seedDemo } from '../../platform/seed/demo.ts';
import { describeDatabase, platformDatabase } from './database.ts';

export interface Options {
  demo: boolean;
  db?: string;
}

export interface View {
  database: string;
  created: boolean;
  events: number;
  people: number;
  demoPassword: string;
}

export async function run(options: Options, deps: Deps): Promise<View> {
  if (!options.demo) throw usageError('Say what to seed: --demo is the only data set.', 'Example: t1 platform seed --demo --db ./platform.db');
  const { location } = platformDatabase(options.db, deps);
  const platform = await openPlatform({ database: location, publicUrl: 'http://127.0.0.1:4747', env: deps.env });
  try {
    const { created, orgId } = await seedDemo(platform.ctx.db, platform.ctx);
    const count = async (table: 'events' | 'users') =>
      Number(
        (await platform.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow()).n,
      );
    return { database: describeDatabase(location), created, events: await count('events'), people: await count('users'), demoPassword: DEMO_PASSWORD };
  } finally {
    await platform.close();
  }
}

export function render(view: View, out: Output): void {
  out.line(
    view.created
      ? `Seeded the demo organisation into ${view.database}: ${view.events} events, ${view.people} people.`
      : `${view.database} already holds the demo organisation (${view.events} events, ${view.people} people); nothing changed.`,
  );
  out.hint(`Demo people and staff who have a password use "${view.demoPassword}".`);
}
