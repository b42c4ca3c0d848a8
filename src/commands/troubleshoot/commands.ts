// t1 troubleshoot: the definition; the verb's module (and the runbooks) load when it runs.
import type { Command as Commander } from 'commander';
import { examples, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  program
    .command('troubleshoot')
    .description('a troubleshooting runbook of the support guide: questions, live checks, what to tell the caller, the fix ("list" lists topics)')
    .argument('[topic]', 'topic id, or "list"; on a terminal, omit it to search by what the caller says')
    .option('--email <email>', "the caller's email")
    .option('--event <event>', 'event slug or id')
    .option('--user-agent <ua>', "the caller's browser User-Agent")
    .option('--answer <key=value>', 'an answer to one of the runbook questions (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--reason <text>', 'reason recorded with any fix run (default: the topic)')
    .option('--ticket <id>', 'support ticket id recorded with any fix run')
    .addHelpText(
      'after',
      examples('t1 troubleshoot', 't1 troubleshoot list', 't1 troubleshoot credentials-incorrect --email yuki.sato@proseware.example --event product-summit-2027 --no-input --json'),
    )
    .action(
      action(() => import('./run.ts'), ([topic], o) => ({
        topic,
        email: o.email,
        event: o.event,
        userAgent: o.userAgent,
        answer: o.answer as string[],
        reason: o.reason,
        ticket: o.ticket,
      })),
    );
}
