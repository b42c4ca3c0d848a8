// Who or what a piece of work runs for: the request (its id, browser and network), the
// cause the activity log names (a page, an agent, a webhook...), and the agent if any.
// Routes make one per request; the delivery worker and other background work use the
// platform's own.
import type { FastifyRequest } from 'fastify';
import type { ActivityCause } from '../../contract/activity.ts';
import { principalLabel, type Principal } from '../services/staff-auth.ts';

export interface Origin {
  cause: ActivityCause;
  requestId: string | null;
  userAgent: string | null;
  ip: string | null;
  /** The agent's label (email or token name) when staff acts. */
  actor: string | null;
  staffId: string | null;
}

export const SYSTEM_ORIGIN: Origin = { cause: 'system', requestId: null, userAgent: null, ip: null, actor: null, staffId: null };

/** The origin of a request, with the cause of what it leads to. */
export function requestOrigin(request: FastifyRequest, cause: ActivityCause): Origin {
  const agent = request.headers['user-agent'];
  // Only admin API routes authenticate a principal; page requests carry none.
  const principal = (request as { principal?: Principal | null }).principal ?? null;
  return {
    cause,
    requestId: String(request.id),
    userAgent: typeof agent === 'string' ? agent.slice(0, 512) : null,
    ip: request.ip ?? null,
    actor: principal ? principalLabel(principal) : null,
    staffId: principal?.staff?.id ?? null,
  };
}
