// Help topics beyond single commands: `t1 help environment`, `t1 help exit-codes`.
import { EXIT } from '../../cli/exit-codes.ts';

export interface HelpTopic {
  name: string;
  summary: string;
  text(): string;
}

const VARIABLES: [name: string, meaning: string][] = [
  ['T1_API_URL', 'platform API base URL, as --api-url; unset everywhere: the embedded demo platform'],
  ['T1_TOKEN', 'API or session token for that platform, instead of the one "t1 login" saved'],
  ['T1_PROFILE', 'profile to use instead of the active one, as --profile'],
  ['T1_TIMEOUT', 'seconds to wait for each API request, 1 to 600 (default 30)'],
  ['T1_HOME', 'folder for all t1 config and embedded data (default ~/.config/t1 and ~/.local/share/t1)'],
  ['XDG_CONFIG_HOME', 'where the config folder goes when T1_HOME is unset (default ~/.config)'],
  ['XDG_DATA_HOME', 'where the embedded data goes when T1_HOME is unset (default ~/.local/share)'],
  ['T1_SECRET_KEY', '32-byte key (64 hex characters) that encrypts secrets at rest; required with PostgreSQL; without it a key file (mode 0600) is kept beside the SQLite database'],
  ['T1_SMTP_URL', 'SMTP server that "t1 platform start" and the embedded platform send email through, as --smtp'],
  ['T1_METRICS', '"1": "t1 platform start" serves Prometheus metrics at /metrics, as --metrics'],
  ['T1_SMS_GATEWAY_URL', 'http(s) URL that "t1 platform start" posts text message codes to, as --sms-gateway'],
  ['T1_SMS_GATEWAY_SECRET', 'secret (16 characters or more) the SMS gateway requests are signed with (HMAC-SHA256)'],
  ['T1_DEBUG', '"http": trace each request to the platform on stderr, as --debug'],
  ['NO_COLOR', 'set and not empty: no colours, as --no-color'],
  ['FORCE_COLOR', '1, 2 or 3: colours even when stdout is not a terminal; 0: no colours (NO_COLOR and --no-color win)'],
  ['TERM', '"dumb": no colours'],
  ['CI', 'set to anything: never prompt, as --no-input'],
];

const EXIT_MEANINGS: Record<keyof typeof EXIT, string> = {
  ok: 'success',
  failure: 'failure: the platform refused or failed, or could not be reached after retries',
  usage: 'usage error: a malformed flag or argument, or an answer needed with prompting off',
  notFound: 'not found: the person, event, registration or API token does not exist',
  auth: 'authentication or permission: a missing, wrong, expired or revoked token, or a role too low',
  partial: 'partial failure: some rows of "t1 invitations bulk" failed (see its report)',
  cancelled: 'cancelled: Ctrl-C, or "no" at a confirmation',
};

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, text]) => `  ${key.padEnd(width)}  ${text}`).join('\n');
}

export const HELP_TOPICS: HelpTopic[] = [
  {
    name: 'environment',
    summary: 'the environment variables t1 reads',
    text: () =>
      'Environment variables\n\n' +
      'A setting comes from its flag, then the environment, then the active profile.\n\n' +
      `${table(VARIABLES)}\n`,
  },
  {
    name: 'exit-codes',
    summary: 'what each exit code means',
    text: () => {
      const codes = (Object.keys(EXIT) as (keyof typeof EXIT)[]).map((key): [string, string] => [String(EXIT[key]), EXIT_MEANINGS[key]]);
      return `Exit codes\n\n${table(codes)}\n`;
    },
  },
];

export function helpTopic(name: string): HelpTopic | undefined {
  return HELP_TOPICS.find((topic) => topic.name === name);
}
