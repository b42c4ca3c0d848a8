// t1 tokens revoke <id> (admin): revokes an API token; every request with it is refused
// from then on. Asks first, takes --reason and --ticket for the audit log.
import type { RevokedToken } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatUtc } from '../../cli/render/format.ts';
import { actionContext, confirmAction, newIdempotencyKey, type ActionFlags } from '../support.ts';

export interface Options extends ActionFlags {
  id: string;
}

export type View = RevokedToken;

export function describeToken(token: RevokedToken['token']): string {
  const owner = token.staff ? ` of ${token.staff.email}` : '';
  return `the ${token.role} token "${token.name ?? token.id}" (${token.id})${owner}`;
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const client = await deps.client();
  const token = await client.getToken(options.id);
  // Nothing to confirm or record when there is nothing left to change.
  if (token.state === 'revoked') return { token, alreadyRevoked: true };
  await confirmAction(deps, options, `Revoke ${describeToken(token)}? Anything using it stops working at once.`);
  return client.revokeToken(options.id, actionContext(options), newIdempotencyKey());
}

export function renderRevoked(view: View, out: Output): void {
  const { token } = view;
  const by = token.revokedBy ? ` by ${token.revokedBy}` : '';
  if (view.alreadyRevoked) {
    out.line(`${capitalised(describeToken(token))} was already revoked on ${formatUtc(token.revokedAt)}${by}; nothing changed.`);
    return;
  }
  out.line(`Revoked ${describeToken(token)}. Requests with it are refused from now on.`);
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function render(view: View, out: Output): void {
  renderRevoked(view, out);
}
