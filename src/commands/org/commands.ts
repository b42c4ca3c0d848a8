// t1 org show|set: the definitions; each verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, supportFlags, withSupportFlags, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const org = program
    .command('org')
    .description("the organisation's settings: 2FA policy, ticket rule, identity checklist")
    .addHelpText('after', examples('t1 org show', 't1 org set ticket-required yes'));
  org
    .command('show')
    .description('show the settings')
    .addHelpText('after', examples('t1 org show', 't1 org show --json'))
    .action(action(() => import('./show.ts'), () => ({})));
  withSupportFlags(
    org
      .command('set')
      .description('change a setting (admin): mfa-policy off|staff|everyone, ticket-required yes|no, identity-checklist "question"... (or none), mfa-methods app|app,sms')
      .argument('<setting>', 'mfa-policy, ticket-required, identity-checklist or mfa-methods')
      .argument('<value...>', 'the new value; identity-checklist takes one question per argument'),
  )
    .addHelpText(
      'after',
      examples('t1 org set ticket-required yes', 't1 org set mfa-policy everyone --reason "security review"', 't1 org set mfa-methods app,sms --reason "attendees without smartphones"', 't1 org set identity-checklist "Caller named their event" "Caller read back the emailed code"'),
    )
    .action(action(() => import('./set.ts'), ([setting, values], o) => ({ setting, values, ...supportFlags(o) })));
}
