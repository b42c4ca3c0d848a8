// What a load balancer and an operator ask of the platform. /healthz: the process is up
// (no database, answered at once). /readyz: it can serve: the database answers a real
// query, has every migration this version knows, and the platform is not stopping. Both
// are open (no token, no rate limit) and polled every second or so, so their requests
// are not logged at info. /metrics is here when metrics are on and have no port of their own.
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import type { PlatformMetrics } from '../metrics.ts';
import { sendError } from './error-handler.ts';

export type NotReady =
  | { reason: 'stopping'; message: string }
  | { reason: 'database_unreachable'; message: string }
  | { reason: 'migrations_pending'; message: string; missing: string[] };

export interface Readiness {
  /** From now on /readyz answers 503, so a load balancer stops sending requests here. */
  stop(): void;
  isStopping(): boolean;
  /** Null when ready. */
  check(): Promise<NotReady | null>;
}

// A load balancer's check gives up after a few seconds; answer before it does.
const DATABASE_TIMEOUT_MS = 2000;

/** The migrations the database has now, by name. */
export async function appliedMigrations(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  return rows.map((row) => row.name);
}

/**
 * `expected` is what the database had when this platform opened it, right after its
 * migrations ran: every migration this version knows.
 */
export function createReadiness(db: Db, expected: string[], timeoutMs = DATABASE_TIMEOUT_MS): Readiness {
  let stopping = false;
  return {
    stop() {
      stopping = true;
    },
    isStopping: () => stopping,
    async check() {
      if (stopping) return { reason: 'stopping', message: 'The platform is shutting down.' };
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), timeoutMs);
      });
      try {
        const applied = await Promise.race([appliedMigrations(db), late]);
        if (applied === 'late') return { reason: 'database_unreachable', message: `The database did not answer within ${timeoutMs / 1000} s.` };
        const missing = expected.filter((name) => !applied.includes(name));
        if (missing.length > 0) return { reason: 'migrations_pending', message: `The database lacks ${missing.length} migration(s) this version needs; restart a platform to run them.`, missing };
        return null;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        return { reason: 'database_unreachable', message: `The database cannot be reached${typeof code === 'string' ? ` (${code})` : ''}.` };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export function opsRoutes(app: FastifyInstance, options: { readiness: Readiness; metrics?: PlatformMetrics }): void {
  const quiet = { logLevel: 'warn' } as const;
  app.get('/healthz', quiet, async () => ({ ok: true }));
  // Polls are not logged, but a change of answer is, once.
  let lastReason: string | null = null;
  app.get('/readyz', quiet, async (request, reply) => {
    const problem = await options.readiness.check();
    if ((problem?.reason ?? null) !== lastReason) {
      lastReason = problem?.reason ?? null;
      request.log.warn({ reason: lastReason ?? 'ready' }, problem ? `Not ready: ${problem.message}` : 'Ready again.');
    }
    if (!problem) return { ok: true };
    const { reason, message, ...rest } = problem;
    return sendError(reply, request, 503, { code: 'unavailable', message, details: { reason, ...rest } });
  });
  const { metrics } = options;
  if (metrics) {
    app.get('/metrics', quiet, async (request, reply) => {
      try {
        const { contentType, body } = await metrics.scrape();
        return reply.type(contentType).send(body);
      } catch {
        return sendError(reply, request, 503, { code: 'unavailable', message: 'The metrics could not be read from the database.' });
      }
    });
  }
}
