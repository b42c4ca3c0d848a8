// t1 platform seed --demo [--people N]: fills a platform database with the demo
// organisation, and with N generated people in it for trying the platform at scale.
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { openPlatform } from '../../platform/platform.ts';
import { DEMO_PASSWORD, seedDemo } from '../../platform/seed/demo.ts';
import { generateUsers, type GeneratedRows } from '../../platform/seed/generate.ts';
import { describeDatabase, platformDatabase } from './database.ts';

export interface Options {
  demo: boolean;
  db?: string;
  /** Generated people to add to the demo organisation. */
  people?: number;
}

export interface View {
  database: string;
  created: boolean;
  events: number;
  people: number;
  demoPassword: string;
  /** What --people added, and how long it took. */
  generated: (GeneratedRows & { seconds: number }) | null;
}

export async function run(options: Options, deps: Deps): Promise<View> {
  if (!options.demo) throw usageError('Say what to seed: --demo is the only data set.', 'Example: t1 platform seed --demo --db ./platform.db');
  const { location } = platformDatabase(options.db, deps);
  const platform = await openPlatform({ database: location, publicUrl: 'http://127.0.0.1:4747', env: deps.env });
  try {
    const { created, orgId } = await seedDemo(platform.ctx.db, platform.ctx);
    let generated: View['generated'] = null;
    if (options.people) {
      const started = Date.now();
      const events = await platform.ctx.db.selectFrom('events').select('id').where('org_id', '=', orgId).execute();
      const rows = await generateUsers(platform.ctx.db, platform.ctx, orgId, events.map((e) => e.id), options.people);
      generated = { ...rows, seconds: Math.round((Date.now() - started) / 100) / 10 };
    }
    const count = async (table: 'events' | 'users') =>
      Number(
        (await platform.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow()).n,
      );
    return { database: describeDatabase(location), created, events: await count('events'), people: await count('users'), demoPassword: DEMO_PASSWORD, generated };
  } finally {
    await platform.close();
  }
}

export function render(view: View, out: Output): void {
  const g = view.generated;
  if (g) {
    const n = (value: number) => value.toLocaleString('en');
    out.line(
      `Added ${n(g.users)} generated people to the demo organisation in ${view.database} in ${g.seconds} s: ` +
        `${n(g.registrations)} registrations, ${n(g.activity)} activity entries, ${n(g.emails)} mails. It now has ${view.events} events, ${n(view.people)} people.`,
    );
  } else {
    out.line(
      view.created
        ? `Seeded the demo organisation into ${view.database}: ${view.events} events, ${view.people} people.`
        : `${view.database} already holds the demo organisation (${view.events} events, ${view.people} people); nothing changed.`,
    );
  }
  out.hint(`Demo people and staff who have a password use "${view.demoPassword}".`);
}
