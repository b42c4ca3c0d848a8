// What every noun's command definitions share: the action type the root program hands
// them, value parsers, examples, and the flags of support actions. Light on purpose
// (commander only): `t1 --help` and shell completion load every definition module.
import { InvalidArgumentError, type Command as Commander } from 'commander';
import type { Command } from './command.ts';

export type Loader = () => Promise<Command<any, any>>;

/** Turns commander's arguments and the command's own options into the verb's options. */
export type ToOptions = (args: unknown[], opts: Record<string, unknown>) => unknown;

/** Wraps a lazily loaded verb as a commander action (built by the root program, which owns the global flags). */
export type Action = (load: Loader, toOptions: ToOptions) => (...args: unknown[]) => Promise<void>;

/** A noun's definitions: adds its commands to the root program. */
export type Register = (program: Commander, action: Action) => void;

export function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError('Expected a whole number.');
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`Expected a number from ${min} to ${max}.`);
    return n;
  };
}

export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** Support actions take --reason and --ticket (audited) and ask before acting. */
export function withSupportFlags(command: Commander): Commander {
  return command
    .option('--reason <text>', 'why (recorded in the audit log)')
    .option('--ticket <id>', 'support ticket id (recorded in the audit log)')
    .option('-y, --yes', 'do not ask for confirmation');
}

export const supportFlags = (o: Record<string, unknown>) => ({ reason: o.reason, ticket: o.ticket, yes: Boolean(o.yes) });
