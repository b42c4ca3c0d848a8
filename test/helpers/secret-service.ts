// A real keychain for tests on Linux: a private D-Bus session bus with GNOME Keyring's
// Secret Service on it, its keyring in a temporary folder, unlocked with a throwaway
// password. Children given `env` store and read secrets there; nothing touches the
// machine's own keyring. Needs dbus-daemon and gnome-keyring-daemon (Debian: gnome-keyring).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freshDir, track } from './spawn.ts';

const TOOLS = ['dbus-daemon', 'gnome-keyring-daemon'];

const SESSION_CONFIG = '/usr/share/dbus-1/session.conf';

export const secretServiceAvailable =
  process.platform === 'linux' && existsSync(SESSION_CONFIG) && TOOLS.every((tool) => spawnSync('which', [tool]).status === 0);

// The system's session bus configuration without service activation, so the Secret
// Service that answers is the keyring started here and not one the bus starts itself,
// and with its socket in the temporary folder.
function busConfig(dir: string): string {
  return readFileSync(SESSION_CONFIG, 'utf8')
    .replace(/<standard_session_servicedirs\s*\/>/g, '')
    .replace(/<include(dir)?\b[^>]*>[^<]*<\/include(dir)?>/g, '')
    .replace(/<listen>[^<]*<\/listen>/, `<listen>unix:tmpdir=${dir}</listen>`);
}

export interface SecretService {
  /** Environment for a child that should use this keychain. */
  env: Record<string, string>;
  /** The secret stored for service/account, read with the same library t1 uses; undefined when none. */
  read(service: string, account: string): string | undefined;
  stop(): void;
}

function readWith(env: Record<string, string>, service: string, account: string): { ok: boolean; value?: string; error?: string } {
  const script = `
    const { Entry } = require('@napi-rs/keyring');
    const value = new Entry(process.argv[1], process.argv[2], { linux: { store: 'secret-service' } }).getPassword();
    process.stdout.write(JSON.stringify(value));`;
  const result = spawnSync(process.execPath, ['-e', script, service, account], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) return { ok: false, error: result.stderr };
  const value = JSON.parse(result.stdout) as string | null;
  return { ok: true, value: value ?? undefined };
}

export async function startSecretService(): Promise<SecretService> {
  const dir = freshDir('t1-keyring-');
  const runtime = join(dir, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  writeFileSync(join(dir, 'bus.conf'), busConfig(dir));
  const children: ChildProcess[] = [];
  const stop = () => {
    for (const child of children.reverse()) child.kill('SIGTERM');
  };
  const bus = spawn('dbus-daemon', [`--config-file=${join(dir, 'bus.conf')}`, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(bus);
  track(bus, true);
  const address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: bus.stdout! }).once('line', resolve);
    bus.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code}) before giving its address`)));
  });
  const env = { DBUS_SESSION_BUS_ADDRESS: address };
  // The keyring's files go to the temporary folder, not the machine's home.
  const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
    env: { ...process.env, ...env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_RUNTIME_DIR: runtime },
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  children.push(keyring);
  track(keyring, true);
  keyring.stdin!.end('throwaway keyring password');
  for (let attempt = 0; ; attempt++) {
    const probe = readWith(env, 't1-test', 'probe');
    if (probe.ok) break;
    if (attempt === 50) {
      stop();
      throw new Error(`The Secret Service did not come up: ${probe.error}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    env,
    read(service, account) {
      const result = readWith(env, service, account);
      if (!result.ok) throw new Error(`Reading the keychain failed: ${result.error}`);
      return result.value;
    },
    stop,
  };
}
