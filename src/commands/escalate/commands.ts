// t1 escalate: the definition; the verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  program
    .command('escalate')
    .description('the packet for tier two: person, registrations, event settings, diagnosis, timeline, emails, links, request ids (Markdown; --json for data)')
    .argument('<email>', "the person's email")
    .requiredOption('--ticket <id>', 'the support ticket (required)')
    .option('--topic <id>', 'also run this troubleshooting topic without prompts and include what it found')
    .option('--note <text>', "the agent's note for tier two")
    .option('--event <event>', 'only this event (default: each of their registrations)')
    .option('--user-agent <ua>', "the caller's browser User-Agent (default: the browser of their last visit)")
    .option('--out <file>', 'write the packet to this file (mode 0600) instead of stdout')
    .addHelpText(
      'after',
      examples(
        't1 escalate yuki.sato@proseware.example --ticket SUP-1234',
        't1 escalate yuki.sato@proseware.example --ticket SUP-1234 --topic credentials-incorrect --note "locked again after unlock" --out SUP-1234.md',
        't1 escalate yuki.sato@proseware.example --ticket SUP-1234 --json',
      ),
    )
    .action(
      action(() => import('./escalate.ts'), ([email], o) => ({
        email,
        ticket: o.ticket,
        topic: o.topic,
        note: o.note,
        event: o.event,
        userAgent: o.userAgent,
        out: o.out,
      })),
    );
}
