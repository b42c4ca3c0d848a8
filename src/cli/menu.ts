// `t1` with no arguments on a terminal: a small menu for the most common lookups.
import { runCli } from './program.ts';
import type { DepsOverrides } from './deps.ts';
import { EXIT } from './exit-codes.ts';
import type { IO } from './io.ts';
import { terminalPrompter } from './prompter.ts';
import { CancelledError } from './errors.ts';

type Choice = 'find' | 'status' | 'timeline' | 'events' | 'quit';

export async function runMenu(io: IO, env: NodeJS.ProcessEnv, overrides: DepsOverrides): Promise<number> {
  const prompter = overrides.prompter ?? terminalPrompter(io, true);
  try {
    for (;;) {
      const choice = await prompter.select<Choice>('What do you need?', [
        { name: 'Find a person', value: 'find', description: 'by email or name' },
        { name: 'Check a registration status', value: 'status', description: 'what it means and what to do next' },
        { name: 'See what happened to a person', value: 'timeline', description: 'sign-ins, links, emails, refusals' },
        { name: 'List events', value: 'events' },
        { name: 'Quit', value: 'quit' },
      ]);
      if (choice === 'quit') return EXIT.ok;
      let argv: string[];
      if (choice === 'find') argv = ['users', 'find', await prompter.input('Email or name', 'run "t1 users find <query>"')];
      else if (choice === 'status') argv = ['status', await prompter.input("Person's email", 'run "t1 status <email>"')];
      else if (choice === 'timeline') argv = ['users', 'timeline', await prompter.input("Person's email", 'run "t1 users timeline <email>"')];
      else argv = ['events', 'list'];
      await runCli(argv, io, env, { ...overrides, prompter });
      io.stdout.write('\n');
    }
  } catch (error) {
    if (error instanceof CancelledError) return EXIT.cancelled;
    throw error;
  }
}
