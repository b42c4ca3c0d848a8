// t1 mfa status|qr|reset: the definitions; each verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, supportFlags, withSupportFlags, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const mfa = program
    .command('mfa')
    .description('two-factor authentication of people')
    .addHelpText('after', examples('t1 mfa status hiroshi.tanaka@contoso.example', 't1 mfa qr hiroshi.tanaka@contoso.example --send', 't1 mfa reset hiroshi.tanaka@contoso.example --identity-check'));
  mfa
    .command('status')
    .description('enrolled or not, since when, recovery codes left, pending enrollment')
    .argument('<email>', "the person's email")
    .addHelpText('after', examples('t1 mfa status hiroshi.tanaka@contoso.example'))
    .action(action(() => import('./status.ts'), ([email]) => ({ email })));
  withSupportFlags(
    mfa
      .command('qr')
      .description('a new 2FA enrollment link (24 hours), emailed with --send or drawn as a QR code with --show')
      .argument('<email>', "the person's email")
      .option('--send', 'email the enrollment link')
      .option('--show', 'draw the enrollment link as a QR code for the person to scan'),
  )
    .addHelpText('after', examples('t1 mfa qr hiroshi.tanaka@contoso.example --send', 't1 mfa qr hiroshi.tanaka@contoso.example --show'))
    .action(action(() => import('./qr.ts'), ([email], o) => ({ email, send: Boolean(o.send), show: Boolean(o.show), ...supportFlags(o) })));
  withSupportFlags(
    mfa
      .command('reset')
      .description("remove a person's 2FA after verifying their identity (admin)")
      .argument('<email>', "the person's email")
      .option('--verified-by <method>', 'how identity was verified, instead of the checklist questions')
      .option('--identity-check', 'rely on the code the person read back ("t1 identity check") in the last 30 minutes'),
  )
    .addHelpText(
      'after',
      examples(
        't1 mfa reset hiroshi.tanaka@contoso.example --ticket SUP-1234',
        't1 mfa reset hiroshi.tanaka@contoso.example --verified-by "video call with ID" --yes',
        't1 mfa reset hiroshi.tanaka@contoso.example --identity-check',
      ),
    )
    .action(action(() => import('./reset.ts'), ([email], o) => ({ email, verifiedBy: o.verifiedBy, identityCheck: Boolean(o.identityCheck), ...supportFlags(o) })));
}
