// `t1` with no arguments on a terminal: a menu of what agents do most, troubleshooting
// first. After a diagnosis or a status it offers to run the commands it suggested.
import type { CommandLine, DepsOverrides, GlobalFlags } from './deps.ts';
import { EXIT } from './exit-codes.ts';
import type { IO } from './io.ts';
import { terminalPrompter, type Prompter } from './prompter.ts';
import { CancelledError } from './errors.ts';

type Choice = 'troubleshoot' | 'diagnose' | 'find' | 'status' | 'timeline' | 'events' | 'quit';

interface Suggestion {
  /** What it does; empty when the command says it all. */
  label: string;
  argv: string[];
}

const FLAGS: GlobalFlags = { json: false, color: true, input: true, verbose: false };

export async function runMenu(io: IO, env: NodeJS.ProcessEnv, overrides: DepsOverrides, commandLine: CommandLine): Promise<number> {
  const prompter = overrides.prompter ?? terminalPrompter(io, true);
  const withPrompter = { ...overrides, prompter };
  try {
    for (;;) {
      const choice = await prompter.select<Choice>('What do you need?', [
        { name: 'Troubleshoot a problem', value: 'troubleshoot', description: 'search by what the caller says' },
        { name: 'Diagnose a person', value: 'diagnose', description: 'every check at once, with the fixes' },
        { name: 'Find a person', value: 'find', description: 'by email or name' },
        { name: 'Check a registration status', value: 'status', description: 'what it means and what to do next' },
        { name: 'See what happened to a person', value: 'timeline', description: 'sign-ins, links, emails, refusals' },
        { name: 'List events', value: 'events' },
        { name: 'Quit', value: 'quit' },
      ]);
      if (choice === 'quit') return EXIT.ok;
      if (choice === 'diagnose') {
        const email = await prompter.input("Person's email", 'run "t1 diagnose <email>"');
        await offer(await diagnosis(io, env, withPrompter, commandLine, email), prompter, io, withPrompter, commandLine);
      } else if (choice === 'status') {
        const email = await prompter.input("Person's email", 'run "t1 status <email>"');
        await offer(await statusSteps(io, env, withPrompter, commandLine, email), prompter, io, withPrompter, commandLine);
      } else {
        let argv: string[];
        if (choice === 'troubleshoot') argv = ['troubleshoot'];
        else if (choice === 'find') argv = ['users', 'find', await prompter.input('Email or name', 'run "t1 users find <query>"')];
        else if (choice === 'timeline') argv = ['users', 'timeline', await prompter.input("Person's email", 'run "t1 users timeline <email>"')];
        else argv = ['events', 'list'];
        await commandLine(argv, withPrompter);
      }
      io.stdout.write('\n');
    }
  } catch (error) {
    if (error instanceof CancelledError) return EXIT.cancelled;
    throw error;
  }
}

/** Runs a command module with the menu's streams and returns its view, so its suggestions can be offered. */
async function runShown<O, V>(
  io: IO,
  env: NodeJS.ProcessEnv,
  overrides: DepsOverrides,
  commandLine: CommandLine,
  load: () => Promise<{ run(o: O, d: never): Promise<V>; render(v: V, out: never): unknown }>,
  options: O,
): Promise<V | null> {
  const { createDeps } = await import('./deps.ts');
  const deps = createDeps(io, env, FLAGS, overrides, commandLine);
  try {
    const command = await load();
    const view = await command.run(options, deps as never);
    await command.render(view, deps.output as never);
    return view;
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    const { reportError } = await import('./report-error.ts');
    reportError(error, io, false);
    return null;
  } finally {
    await deps.dispose();
  }
}

async function diagnosis(io: IO, env: NodeJS.ProcessEnv, overrides: DepsOverrides, commandLine: CommandLine, email: string): Promise<Suggestion[]> {
  const view = await runShown(io, env, overrides, commandLine, () => import('../commands/diagnose/diagnose.ts'), { email });
  return view ? view.results.flatMap((r) => (r.verdict === 'ok' ? [] : r.fixes)) : [];
}

async function statusSteps(io: IO, env: NodeJS.ProcessEnv, overrides: DepsOverrides, commandLine: CommandLine, email: string): Promise<Suggestion[]> {
  const view = await runShown(io, env, overrides, commandLine, () => import('../commands/status/status.ts'), { email });
  if (!view || view.kind !== 'status') return [];
  // The suggested commands hold no quoted arguments: emails and slugs have no spaces.
  return view.explanation.commands.filter((c) => !c.includes('<')).map((c) => ({ label: '', argv: c.split(' ').slice(1) }));
}

async function offer(suggestions: Suggestion[], prompter: Prompter, io: IO, overrides: DepsOverrides, commandLine: CommandLine): Promise<void> {
  const unique = suggestions.filter((s, i) => suggestions.findIndex((t) => t.argv.join(' ') === s.argv.join(' ')) === i);
  if (unique.length === 0) return;
  const picked = await prompter.select('Run one of the suggested commands?', [
    ...unique.map((s, i) => ({ name: `${s.label ? `${s.label}: ` : ''}t1 ${s.argv.join(' ')}`, value: String(i) })),
    { name: 'Back to the menu', value: 'back' },
  ]);
  if (picked === 'back') return;
  io.stdout.write('\n');
  await commandLine(unique[Number(picked)]!.argv, overrides);
}
