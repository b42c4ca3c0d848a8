// t1 tokens list|revoke (admin): the definitions; each verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, supportFlags, withSupportFlags, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const tokens = program
    .command('tokens')
    .description("the organisation's API tokens: who holds which, until when, last used (admin)")
    .addHelpText('after', examples('t1 tokens list', 't1 tokens revoke tok_8f2k1 --reason "laptop lost" --ticket SEC-12'));
  tokens
    .command('list')
    .description('every API token, newest first: role, staff member, created, expires (or never), last used, state')
    .addHelpText('after', examples('t1 tokens list', 't1 tokens list --json'))
    .action(action(() => import('./list.ts'), () => ({})));
  withSupportFlags(
    tokens
      .command('revoke')
      .description('revoke an API token: every request with it is refused from then on')
      .argument('<id>', 'the token id, as "t1 tokens list" shows it'),
  )
    .addHelpText('after', examples('t1 tokens revoke tok_8f2k1 --reason "laptop lost" --ticket SEC-12', 't1 tokens revoke tok_8f2k1 --yes'))
    .action(action(() => import('./revoke.ts'), ([id], o) => ({ id, ...supportFlags(o) })));
}
