// t1 platform token revoke <id>: revokes an API token straight in a platform database,
// for the operator (say, a token leaked and no admin token is at hand). Asks first.
import { tokenIdSchema, type ApiToken, type RevokedToken } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import { notFoundError, usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { withoutControlCharacters } from '../../client/sanitize.ts';
import { HttpError } from '../../platform/http-error.ts';
import { openPlatform } from '../../platform/platform.ts';
import { findApiToken, revokeApiToken } from '../../platform/services/api-tokens.ts';
import { confirmAction } from '../support.ts';
import { describeToken, renderRevoked } from '../tokens/revoke.ts';
import { describeDatabase, platformDatabase } from './database.ts';

export interface Options {
  id: string;
  db?: string;
  yes: boolean;
}

export type View = RevokedToken;

export async function run(options: Options, deps: Deps): Promise<View> {
  if (!tokenIdSchema.safeParse(options.id).success) {
    throw usageError(`"${withoutControlCharacters(options.id)}" is not a token id.`, 'Token ids look like tok_...; see them with "t1 platform token list".');
  }
  const { location } = platformDatabase(options.db, deps);
  const platform = await openPlatform({ database: location, publicUrl: 'http://127.0.0.1:4747', env: deps.env });
  try {
    const { db, clock } = platform.ctx;
    let token: ApiToken;
    try {
      token = withoutControlCharacters(await findApiToken(db, null, options.id, clock.now()));
    } catch (error) {
      if (error instanceof HttpError && error.code === 'not_found') {
        throw notFoundError(`${describeDatabase(location)} has no API token with the id ${options.id}.`, 'See its tokens: t1 platform token list --db <file>');
      }
      throw error;
    }
    if (token.state === 'revoked') return { token, alreadyRevoked: true };
    await confirmAction(deps, { yes: options.yes }, `Revoke ${describeToken(token)}? Anything using it stops working at once.`);
    return withoutControlCharacters(await revokeApiToken(db, { orgId: null, id: options.id, by: 't1 platform token revoke', now: clock.now() }));
  } finally {
    await platform.close();
  }
}

export function render(view: View, out: Output): void {
  renderRevoked(view, out);
}
