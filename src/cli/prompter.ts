// Questions to the agent, bound to the command's own streams. Off a terminal (or with
// --no-input) nothing is asked: a missing answer is a usage error naming the flag.
import type { IO } from './io.ts';
import { terminalText } from '../client/sanitize.ts';
import { CancelledError, usageError } from './errors.ts';

export interface SearchChoice<T extends string> {
  name: string;
  value: T;
  description?: string;
}

export interface Prompter {
  /** With optional, an empty answer is accepted. */
  input(message: string, flagHint: string, options?: { optional?: boolean }): Promise<string>;
  password(message: string, flagHint: string): Promise<string>;
  select<T extends string>(message: string, choices: { name: string; value: T; description?: string }[]): Promise<T>;
  confirm(message: string, flagHint: string): Promise<boolean>;
  /** A list narrowed as the agent types. */
  search<T extends string>(message: string, source: (term: string | undefined) => SearchChoice<T>[]): Promise<T>;
}

function isCancel(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}

export function terminalPrompter(io: IO, interactive: boolean): Prompter {
  const context = { input: io.stdin, output: io.stderr };
  const ask = async <T>(flagHint: string, run: (prompts: typeof import('@inquirer/prompts')) => Promise<T>) => {
    if (!interactive) throw usageError(`A required answer is missing and prompting is off; ${flagHint}.`);
    const prompts = await import('@inquirer/prompts');
    try {
      return await run(prompts);
    } catch (error) {
      if (isCancel(error)) throw new CancelledError();
      throw error;
    }
  };
  // Questions and choices quote stored values (an email, a suggested command): shown escaped, like all output.
  const shown = <C extends { name: string; description?: string }>(choice: C): C => ({
    ...choice,
    name: terminalText(choice.name),
    ...(choice.description === undefined ? {} : { description: terminalText(choice.description) }),
  });
  return {
    input: (message, flagHint, options) =>
      ask(flagHint, (p) => p.input({ message: terminalText(message), required: !options?.optional }, context)),
    password: (message, flagHint) =>
      ask(flagHint, (p) => p.password({ message: terminalText(message), mask: true }, context)),
    select: (message, choices) =>
      ask('pass the choice as a flag', (p) => p.select({ message: terminalText(message), choices: choices.map(shown) }, context)),
    confirm: (message, flagHint) =>
      ask(flagHint, (p) => p.confirm({ message: terminalText(message), default: false }, context)),
    search: (message, source) =>
      ask('name the topic as an argument', (p) => p.search({ message: terminalText(message), source: async (term) => source(term).map(shown) }, context)),
  };
}
