// Shell completion for real: the script `t1 completion bash` prints is sourced in bash,
// COMP_WORDS/COMP_CWORD are set as bash sets them on Tab, and COMPREPLY is read back. The
// scripts call the built t1 through a `t1` on the PATH. zsh and fish are checked when
// installed.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_ROLES, REGISTRATION_STATUSES, STAFF_ROLES } from '../../src/contract/vocabulary.ts';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { BIN, cleanupAll, freshDir, killTestChildren, runCommand, runT1, shellQuote } from '../helpers/spawn.ts';

// Every Tab starts a t1 process; on a busy machine a test of several Tabs takes a while.
const SLOW = { timeout: 90_000 };

const hasShell = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;

let shimDir: string;
let scripts: Record<'bash' | 'zsh' | 'fish', string>;
let platform: TestPlatform;

beforeAll(async () => {
  shimDir = freshDir('t1-completion-');
  const shim = join(shimDir, 't1');
  writeFileSync(shim, `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(BIN)} "$@"\n`);
  chmodSync(shim, 0o755);
  scripts = { bash: '', zsh: '', fish: '' };
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    const result = await runT1(['completion', shell]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    scripts[shell] = join(shimDir, `t1.${shell}`);
    writeFileSync(scripts[shell], result.stdout);
  }
  platform = await startTestPlatform();
});

afterEach(killTestChildren);
afterAll(async () => {
  await platform?.close();
  await cleanupAll();
});

const withShim = (env: Record<string, string | undefined> = {}) => ({ PATH: `${shimDir}:${process.env.PATH}`, ...env });

/**
 * What bash offers on Tab with the cursor at the end of `line` (a trailing space starts a
 * new, empty word): the completion function runs with COMP_WORDS split on spaces and on
 * "=" as bash does, and COMPREPLY is printed one per line.
 */
async function bashTab(line: string, env: Record<string, string | undefined> = {}, home?: string): Promise<string[]> {
  const words = line.replace(/=/g, ' = ').split(/ +/);
  const program = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _t1_complete; printf "%s\\n" "${COMPREPLY[@]}"';
  const result = await runCommand('bash', ['-c', program, 'bash', scripts.bash, ...words], { env: withShim(env), home });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter((word) => word !== '');
}

describe('t1 completion bash', SLOW, () => {
  it('completes t1 us<TAB> f<TAB> --st<TAB>, then the statuses', async () => {
    expect(await bashTab('t1 us')).toEqual(['users']);
    expect(await bashTab('t1 users f')).toEqual(['find']);
    expect(await bashTab('t1 users find --st')).toEqual(['--status']);
    expect(await bashTab('t1 users find --status ')).toEqual([...REGISTRATION_STATUSES]);
    expect(await bashTab('t1 users find priya --status re')).toEqual(['registered']);
    expect(await bashTab('t1 users find priya --status=un')).toEqual(['unregistered']);
  });

  it('offers every choice a command defines', async () => {
    expect(await bashTab('t1 users find priya --role ')).toEqual([...EVENT_ROLES]);
    expect(await bashTab('t1 invitations send jane@contoso.example --role s')).toEqual(['speaker']);
    expect(await bashTab('t1 platform token create --role ')).toEqual([...STAFF_ROLES]);
    expect(await bashTab('t1 completion ')).toEqual(['bash', 'zsh', 'fish']);
  });

  it('lists the commands and options help lists, global options included, and nothing hidden', async () => {
    const help = (await runT1(['--help'])).stdout;
    const commandsSection = help.slice(help.indexOf('Commands:'), help.indexOf('\n\n', help.indexOf('Commands:')));
    const listed = [...commandsSection.matchAll(/^  ([a-z][\w-]*)/gm)].map((m) => m[1]);
    expect(await bashTab('t1 ')).toEqual(listed);
    expect(await bashTab('t1 __')).toEqual([]);

    const findHelp = (await runT1(['users', 'find', '--help'])).stdout;
    const flags = [...findHelp.matchAll(/^  (?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]);
    expect(flags).toEqual(expect.arrayContaining(['--status', '--limit', '--json', '--profile', '--help']));
    expect((await bashTab('t1 users find --')).sort()).toEqual([...new Set(flags)].sort());
  });

  it('completes command paths after help, and the help topics', async () => {
    expect(await bashTab('t1 help users ')).toEqual(['find', 'show', 'timeline', 'unlock']);
    expect(await bashTab('t1 help pl')).toEqual(['platform']);
    expect(await bashTab('t1 help e')).toEqual(['escalate', 'events', 'environment', 'exit-codes']);
  });

  it('skips option values and global options while finding the command', async () => {
    expect(await bashTab('t1 --profile staging users find --limit 5 priya --ro')).toEqual(['--role']);
    expect(await bashTab('t1 --no-color events s')).toEqual(['show', 'set']);
  });

  it('offers nothing for free text, so bash falls back to file names', async () => {
    expect(await bashTab('t1 invitations bulk ')).toEqual([]);
    expect(await bashTab('t1 users find ')).toEqual([]);
    const registered = await runCommand('bash', ['-c', 'source "$1"; complete -p t1', 'bash', scripts.bash], { env: withShim() });
    expect(registered.stdout.trim()).toBe('complete -o default -F _t1_complete t1');
  });
});

describe('event slugs in completion', SLOW, () => {
  it('come from the configured platform for --event values and <event> arguments', async () => {
    const env = platform.env('viewer');
    expect(await bashTab('t1 events show ', env)).toEqual(expect.arrayContaining(Object.values(DEMO_EVENT_SLUGS)));
    expect(await bashTab('t1 users find priya --event cu', env)).toEqual([DEMO_EVENT_SLUGS.live]);
    expect(await bashTab('t1 users find priya --event=pa', env)).toEqual([DEMO_EVENT_SLUGS.ended]);
  });

  it('follow an --api-url typed on the line', async () => {
    const slugs = await bashTab(`t1 --api-url ${platform.url} events show pr`, { T1_TOKEN: platform.tokens.viewer });
    expect(slugs).toEqual([DEMO_EVENT_SLUGS.upcoming]);
  });

  it('are not looked up without a configured platform: the embedded one is not started', async () => {
    const home = freshDir('t1-home-');
    expect(await bashTab('t1 events show ', {}, home)).toEqual([]);
    expect(existsSync(join(home, 'data'))).toBe(false);
  });

  describe('from a platform that misbehaves', () => {
    let server: Server;
    let url: string;
    const hang = new Set<string>();
    beforeAll(async () => {
      server = createServer((request, response) => {
        if (hang.has(request.headers.authorization ?? '')) return; // never answers
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ items: [{ slug: 'fine-event' }, { slug: 'bad\u001b[2J' }, { slug: 'two words' }, { slug: 42 }, null], nextCursor: null }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      hang.add('Bearer slow');
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('keep only slugs that are one plain word', async () => {
      expect(await bashTab('t1 events show ', { T1_API_URL: url, T1_TOKEN: 'fast' })).toEqual(['fine-event']);
    });

    it('give up silently after a second when the platform does not answer', async () => {
      const started = Date.now();
      expect(await bashTab('t1 events show ', { T1_API_URL: url, T1_TOKEN: 'slow' })).toEqual([]);
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });
});

describe('t1 completion zsh and fish', SLOW, () => {
  it('an unknown shell is a usage error (exit 2)', async () => {
    const result = await runT1(['completion', 'tcsh']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Allowed choices are bash, zsh, fish/);
  });

  it.skipIf(!hasShell('zsh'))('zsh accepts the script, and its function offers what t1 __complete finds', async () => {
    expect((await runCommand('zsh', ['-n', scripts.zsh])).code).toBe(0);
    // The completion system's own functions are stood in for, to see what the script hands them.
    const program = [
      'compdef() { :; }',
      'source "$1"',
      '_describe() { print -rl -- "${(@P)${@[-1]}}"; }',
      '_files() { print "(files)"; }',
      'words=(t1 users find --st); CURRENT=4; _t1',
      'words=(t1 users find --status ""); CURRENT=5; _t1',
      'words=(t1 invitations bulk ""); CURRENT=4; _t1',
    ].join('\n');
    const result = await runCommand('zsh', ['-fc', program, 'zsh', scripts.zsh], { env: withShim() });
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(['--status:only registrations with this status', ...REGISTRATION_STATUSES, '(files)']);
  });

  it.skipIf(!hasShell('fish'))('fish accepts the script and completes with it', async () => {
    expect((await runCommand('fish', ['--no-execute', scripts.fish])).code).toBe(0);
    const program = `source ${shellQuote(scripts.fish)}; complete -C 't1 us'; complete -C 't1 users find --st'; complete -C 't1 users find --status=bl'`;
    const result = await runCommand('fish', ['--no-config', '-c', program], { env: withShim() });
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      'users\tfind and inspect people',
      '--status\tonly registrations with this status',
      '--status=blocked',
      '--status=blocked_from_chat',
    ]);
  });
});
