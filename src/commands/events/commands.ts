// t1 events list|show|check-email|webhook-secret: the definitions; each verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, supportFlags, withSupportFlags, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const events = program
    .command('events')
    .description('list and inspect events')
    .addHelpText('after', examples('t1 events list', 't1 events show product-summit-2027', 't1 events check-email partner-kickoff-2026 ana@fabrikam.example'));
  events
    .command('list')
    .description('every event with its dates, phase, registration state and registrant count')
    .addHelpText('after', examples('t1 events list', 't1 events list --json'))
    .action(action(() => import('./list.ts'), () => ({})));
  events
    .command('show')
    .description("an event's settings and registrants by status")
    .argument('<event>', 'event slug or id')
    .addHelpText('after', examples('t1 events show product-summit-2027'))
    .action(action(() => import('./show.ts'), ([ref]) => ({ ref })));
  events
    .command('check-email')
    .description("would the event's address rules (approved domains, public email providers) accept this email? Registers nobody")
    .argument('<event>', 'event slug or id')
    .argument('<email>', 'the address the caller wants to register with')
    .addHelpText('after', examples('t1 events check-email product-summit-2027 jane.doe@contoso.example', 't1 events check-email customer-day-live someone@gmail.com --json'))
    .action(action(() => import('./check-email.ts'), ([event, email]) => ({ event, email })));
  withSupportFlags(
    events
      .command('webhook-secret')
      .description("replace the event's webhook signing secret and print the new one once (admin)")
      .argument('<event>', 'event slug or id'),
  )
    .addHelpText('after', examples('t1 events webhook-secret product-summit-2027 --yes'))
    .action(action(() => import('./webhook-secret.ts'), ([event], o) => ({ event, ...supportFlags(o) })));
}
