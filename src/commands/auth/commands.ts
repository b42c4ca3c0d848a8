// t1 login|logout|whoami: the definitions; each verb's module loads when it runs.
import { Option, type Command as Commander } from 'commander';
import { examples, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  program
    .command('login')
    .description('sign in to a platform (email, password, 2FA code) and save the session in the active profile')
    .option('--email <email>', 'staff email (asked for when missing)')
    .option('--org <name|id>', 'the organisation to sign in to, for staff of several (asked for when missing)')
    .option('--token [token]', 'save an API token instead; without a value it is read from stdin or asked for')
    .option('--keychain', "keep the token in the operating system's keychain instead of the config file")
    // The methods of contract/mfa-methods.ts, spelled out so --help loads no schema library.
    .addOption(new Option('--mfa-method <method>', 'when 2FA is to be set up: an authenticator app, or text messages where allowed (asked for when missing)').choices(['app', 'sms']))
    .option('--phone <number>', 'the mobile number, with its country code, to enrol for text message codes (implies --mfa-method sms)')
    .addHelpText(
      'after',
      examples(
        't1 login --api-url https://events.example.com',
        't1 login --api-url https://events.example.com --token',
        't1 login --api-url https://events.example.com --org "Contoso Live"',
        'echo "$TOKEN" | t1 login --api-url http://127.0.0.1:7070 --token',
        't1 login --api-url https://events.example.com --keychain',
        't1 login --api-url https://events.example.com --mfa-method sms --phone "+44 7700 900123"',
      ),
    )
    .action(action(() => import('./login.ts'), (_args, o) => ({ token: o.token, email: o.email, org: o.org, keychain: Boolean(o.keychain), mfaMethod: o.mfaMethod, phone: o.phone })));
  program
    .command('logout')
    .description('forget the token saved in the active profile')
    .addHelpText('after', examples('t1 logout', 't1 --profile staging logout'))
    .action(action(() => import('./logout.ts'), () => ({})));
  program
    .command('whoami')
    .description('the platform, organisation and role t1 is acting as')
    .addHelpText('after', examples('t1 whoami', 't1 whoami --json'))
    .action(action(() => import('./whoami.ts'), () => ({})));
}
