// The root of the command tree: the global options, the action wrapper every command
// runs through, and the nouns, whose definitions live beside their verbs in
// src/commands/<noun>/commands.ts. Only commander and those light definition modules load
// here; each command's module (and the client, platform or prompts it needs) loads when
// that command runs, so `t1 --help` and shell completion stay fast.
import { Command as Commander, CommanderError } from 'commander';
import { register as audit } from '../commands/audit/commands.ts';
import { register as auth } from '../commands/auth/commands.ts';
import { register as browser } from '../commands/browser/commands.ts';
import { register as completion } from '../commands/completion/commands.ts';
import { register as config } from '../commands/config/commands.ts';
import { examples, type Action, type Register } from '../commands/define.ts';
import { register as diagnose } from '../commands/diagnose/commands.ts';
import { register as escalate } from '../commands/escalate/commands.ts';
import { register as events } from '../commands/events/commands.ts';
import { register as registerHelp } from '../commands/help/commands.ts';
import { register as identity } from '../commands/identity/commands.ts';
import { register as invitations } from '../commands/invitations/commands.ts';
import { register as links } from '../commands/links/commands.ts';
import { register as magicLink } from '../commands/magic-link/commands.ts';
import { register as mail } from '../commands/mail/commands.ts';
import { register as mfa } from '../commands/mfa/commands.ts';
import { register as org } from '../commands/org/commands.ts';
import { register as sms } from '../commands/sms/commands.ts';
import { register as password } from '../commands/password/commands.ts';
import { register as platform } from '../commands/platform/commands.ts';
import { register as profiles } from '../commands/profiles/commands.ts';
import { register as setPasswordLink } from '../commands/set-password-link/commands.ts';
import { register as status } from '../commands/status/commands.ts';
import { register as tokens } from '../commands/tokens/commands.ts';
import { register as troubleshoot } from '../commands/troubleshoot/commands.ts';
import { register as users } from '../commands/users/commands.ts';
import { register as verification } from '../commands/verification/commands.ts';
import type { Deps, DepsOverrides, GlobalFlags } from './deps.ts';
import { usageError } from './errors.ts';
import { EXIT } from './exit-codes.ts';
import type { IO } from './io.ts';
import { outputFlags, wantsJson, withFieldLists } from './render/output-flags.ts';
import { terminalText } from '../client/sanitize.ts';
import { VERSION } from '../version.ts';

const NOUNS: Register[] = [
  users,
  links,
  status,
  verification,
  magicLink,
  setPasswordLink,
  password,
  mfa,
  identity,
  troubleshoot,
  diagnose,
  escalate,
  mail,
  sms,
  audit,
  tokens,
  invitations,
  org,
  events,
  browser,
  auth,
  config,
  profiles,
  platform,
  completion,
];

export interface CliRun {
  /** Set once a command has run, so errors are reported against the right deps. */
  deps?: Deps;
  exitCode: number;
  /** --json or --jq is on the command line: a malformed one gets its error as JSON. */
  jsonErrors?: boolean;
}

export function buildProgram(io: IO, env: NodeJS.ProcessEnv, state: CliRun, overrides: DepsOverrides): Commander {
  const program = new Commander('t1');

  // Wraps a lazily loaded command: builds deps from the global flags, runs it, prints
  // its view through its renderer or as the output flags ask (checked before it runs).
  const action: Action =
    (load, toOptions) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Commander;
      const all = command.optsWithGlobals();
      const flags: GlobalFlags = {
        ...outputFlags(all),
        color: all.color !== false,
        input: all.input !== false,
        verbose: Boolean(all.verbose),
        profile: all.profile as string | undefined,
        apiUrl: all.apiUrl as string | undefined,
        debug: Boolean(all.debug),
      };
      const { createDeps } = await import('./deps.ts');
      const deps = createDeps(io, env, flags, overrides, (argv, nested) => runCli(argv, io, env, nested));
      state.deps = deps;
      try {
        const module = await load();
        const print = await deps.output.printer(module);
        const view = await module.run(toOptions(args.slice(0, -2), command.opts()), deps);
        await print(view);
        if (module.exitCode) state.exitCode = module.exitCode(view);
      } finally {
        await deps.dispose();
      }
    };

  program
    .description('Support tool for tier-one agents of the virtual-event platform.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--json [fields]', 'print only JSON on stdout; with fields (email,fullName), only those fields of each row')
    .option('--jq <expression>', 'print what a jq expression picks from the JSON, strings as they are')
    .option('--csv [fields]', 'print a list as CSV: a header line, then one line per row')
    .option('--header', 'a line of column names above tab-separated rows')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .option('--no-input', 'never prompt; a missing answer is a usage error')
    .option('-v, --verbose', 'show request ids and HTTP details on errors')
    .option('--debug', 'trace each request to the platform on stderr (env T1_DEBUG=http)')
    .option('--profile <name>', 'use this saved profile (env T1_PROFILE)')
    .option('--api-url <url>', 'platform API base URL (env T1_API_URL)')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    // Leaf help lists the global options too, so one screen says everything a command takes.
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => io.stdout.write(terminalText(text)),
      // With --json, runCli reports a malformed command line as a JSON error instead.
      writeErr: (text) => {
        if (!state.jsonErrors) io.stderr.write(terminalText(text));
      },
    })
    .addHelpText(
      'after',
      examples('t1 users find priya', 't1 status priya.sharma@contoso.example --event product-summit-2027', 't1 events list --json') +
        '\nWith no platform configured, t1 uses an embedded demo platform.\n' +
        'Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 auth/permission, 5 partial, 130 cancelled.\n',
    );

  // Each noun's commands are defined beside its verbs; the order here is the order of the help.
  for (const noun of NOUNS) noun(program, action);
  registerHelp(program);

  showUsageAfterErrors(program);
  return program;
}

// A malformed flag or argument is answered with the command's usage line, not its whole help.
function showUsageAfterErrors(command: Commander, parents: string[] = []): void {
  const path = [...parents, command.name()];
  command.showHelpAfterError(`Usage: ${path.join(' ')} ${command.usage()}\nRun "${path.join(' ')} --help" for details.`);
  for (const sub of command.commands) showUsageAfterErrors(sub, path);
}

export async function runCli(argv: string[], io: IO, env: NodeJS.ProcessEnv, overrides: DepsOverrides = {}): Promise<number> {
  const state: CliRun = { exitCode: EXIT.ok };
  const program = buildProgram(io, env, state, overrides);
  const noArguments = argv.length === 0;
  if (noArguments) {
    if (io.stdinIsTTY && io.stdoutIsTTY && !env.CI) {
      const { runMenu } = await import('./menu.ts');
      return runMenu(io, env, overrides, (line, nested) => runCli(line, io, env, nested));
    }
    program.outputHelp();
    return EXIT.ok;
  }
  state.jsonErrors = wantsJson(argv);
  try {
    await program.parseAsync(withFieldLists(argv, program), { from: 'user' });
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError && (error.exitCode === 0 || !state.jsonErrors)) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const { reportError } = await import('./report-error.ts');
    // commander.help: a noun was given without a verb, which is usage too.
    const commanderMessage = (e: CommanderError) => (e.code === 'commander.help' ? 'Name a command; --help lists them.' : e.message.replace(/^error: /, ''));
    const reported = error instanceof CommanderError ? usageError(commanderMessage(error)) : error;
    return reportError(reported, io, state.deps?.flags.verbose ?? argv.includes('--verbose'), state.deps?.flags.json ?? state.jsonErrors);
  }
}
