// The global flags that choose what stdout gets: --json [fields], --jq <expression>,
// --csv [fields] and --header. Light on purpose (no imports): the root program uses it.

/** The output choice as the action wrapper reads it from commander's options. */
export interface OutputFlags {
  /** Machine output on stdout: --json, with or without fields, or --jq. */
  json: boolean;
  /** --json <fields> or --csv <fields>, as typed (checked against the command's fields later). */
  fields?: string[] | undefined;
  jq?: string | undefined;
  csv: boolean;
  header: boolean;
}

function fieldList(value: unknown): string[] | undefined {
  return typeof value === 'string' && value !== '' ? value.split(',').map((field) => field.trim()) : undefined;
}

export function outputFlags(options: Record<string, unknown>): OutputFlags {
  const jq = typeof options.jq === 'string' ? options.jq : undefined;
  return {
    json: options.json !== undefined || jq !== undefined,
    fields: fieldList(options.json) ?? fieldList(options.csv),
    jq,
    csv: options.csv !== undefined,
    header: Boolean(options.header),
  };
}

const FIELD_LIST = /^[A-Za-z][\w-]*(\s*,\s*[A-Za-z][\w-]*)*$/;
const TAKES_FIELDS = new Set(['--json', '--csv']);

interface CommandTree {
  commands: readonly CommandTree[];
  name(): string;
  aliases(): string[];
}

/**
 * Scripts have long written `t1 --json status <email>`: a word after --json is its field
 * list only when it reads as one and is not the name of a command that can come next.
 * Each such flag is written as --json=<fields> or --json= (none) for commander, whose
 * optional values would otherwise take the word whatever it is.
 */
export function withFieldLists(argv: readonly string[], root: CommandTree): string[] {
  const result: string[] = [];
  let command = root;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      result.push(...argv.slice(i));
      break;
    }
    const sub = arg.startsWith('-') ? undefined : command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub) command = sub;
    if (!TAKES_FIELDS.has(arg)) {
      result.push(arg);
      continue;
    }
    const next = argv[i + 1];
    const isCommand = next !== undefined && command.commands.some((c) => c.name() === next || c.aliases().includes(next));
    if (next !== undefined && FIELD_LIST.test(next) && !isCommand) {
      result.push(`${arg}=${next}`);
      i++;
    } else {
      result.push(`${arg}=`);
    }
  }
  return result;
}

/** Whether the command line asks for JSON (--json or --jq), read before commander parses it. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => /^--(json|jq)(=|$)/.test(arg));
}
