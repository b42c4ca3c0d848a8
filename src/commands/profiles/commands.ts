// t1 profiles [add|use]: the definitions; each verb's module loads when it runs.
import type { Command as Commander } from 'commander';
import { examples, type Action } from '../define.ts';

export function register(program: Commander, action: Action): void {
  const profiles = program
    .command('profiles')
    .description('list saved profiles (add one with "profiles add", switch with "profiles use")')
    .addHelpText('after', examples('t1 profiles', 't1 profiles add staging --api-url https://staging.events.example.com', 't1 profiles use staging'))
    .action(action(() => import('./list.ts'), () => ({})));
  profiles
    .command('add')
    .description('save a new profile; --api-url is the platform it points at (without it: the embedded platform)')
    .argument('<name>', 'profile name: letters, digits, dot, dash or underscore')
    .addHelpText('after', examples('t1 profiles add staging --api-url https://staging.events.example.com', 't1 profiles add demo'))
    .action(action(() => import('./add.ts'), ([name]) => ({ name })));
  profiles
    .command('use')
    .description('make an existing profile the active one')
    .argument('<name>', 'profile name')
    .addHelpText('after', examples('t1 profiles use staging', 't1 profiles use default'))
    .action(action(() => import('./use.ts'), ([name]) => ({ name })));
}
