// t1 help [command...]: the help of any command, however deep ("t1 help users find"), or
// a topic ("t1 help environment"). Replaces commander's help command, which stops at
// the first word.
import type { Command as Commander } from 'commander';
import { EXIT } from '../../cli/exit-codes.ts';
import { examples } from '../define.ts';
import { HELP_TOPICS, helpTopic } from './topics.ts';

export function register(program: Commander): void {
  program.helpCommand(false);
  const help = program
    .command('help')
    .description(`show the help of a command, or a topic: ${HELP_TOPICS.map((t) => t.name).join(', ')}`)
    .argument('[command...]', 'a command ("users find") or a topic')
    .addHelpText('after', examples('t1 help users find', 't1 help environment', 't1 help exit-codes'))
    .action((words: string[]) => {
      const topic = words.length === 1 ? helpTopic(words[0]!) : undefined;
      if (topic) {
        program.configureOutput().writeOut?.(topic.text());
        return;
      }
      let target = program;
      for (const word of words) {
        const next = target.commands.find((command) => command.name() === word || command.aliases().includes(word));
        // JSON quoting keeps control characters in what was typed from reaching the terminal.
        if (!next) return help.error(`error: no command or help topic ${JSON.stringify(words.join(' '))}`, { exitCode: EXIT.usage, code: 't1.unknownHelp' });
        target = next;
      }
      target.outputHelp();
    });
  const width = Math.max(...HELP_TOPICS.map((t) => t.name.length));
  program.addHelpText('after', `\nHelp topics (t1 help <topic>):\n${HELP_TOPICS.map((t) => `  ${t.name.padEnd(width)}  ${t.summary}`).join('\n')}\n`);
}
