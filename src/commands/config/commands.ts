// t1 config get|set|unset|list: the definitions; each verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const config = program
    .command('config')
    .description('read and change settings of the active profile')
    .addHelpText('after', examples('t1 config list', 't1 config set api-url https://events.example.com', 't1 config get timeout'));
  config
    .command('get')
    .description('print a setting (api-url, timeout) as in effect')
    .argument('<key>', 'api-url or timeout')
    .addHelpText('after', examples('t1 config get api-url'))
    .action(action(() => import('./get.ts'), ([key]) => ({ key })));
  config
    .command('set')
    .description('save a setting in the active profile')
    .argument('<key>', 'api-url or timeout')
    .argument('<value>', 'the new value')
    .addHelpText('after', examples('t1 config set api-url https://events.example.com', 't1 config set timeout 10'))
    .action(action(() => import('./set.ts'), ([key, value]) => ({ key, value })));
  config
    .command('unset')
    .description('remove a setting from the active profile (unsetting api-url returns to the embedded platform)')
    .argument('<key>', 'api-url or timeout')
    .addHelpText('after', examples('t1 config unset api-url'))
    .action(action(() => import('./unset.ts'), ([key]) => ({ key })));
  config
    .command('list')
    .description('every setting in effect and where it comes from (flag, env, profile, default)')
    .addHelpText('after', examples('t1 config list'))
    .action(action(() => import('./list.ts'), () => ({})));
}
