// The factory every command receives: IO, output, settings, and lazily built
// dependencies (config store, platform client, prompter) so a command loads only what
// it uses. Tests build it with their own IO, environment and clock.
import type { PlatformClient } from '../client/platform-client.ts';
import type { ConfigStore } from './config-store.ts';
import { CliError } from './errors.ts';
import { EXIT } from './exit-codes.ts';
import { useColor } from './color.ts';
import { decideInteractive, type IO } from './io.ts';
import { t1Paths, type T1Paths } from './paths.ts';
import { CallProgress } from './progress.ts';
import { terminalPrompter, type Prompter } from './prompter.ts';
import { Output } from './render/output.ts';
import { checkedApiUrl, resolveDebug, resolveSettings, type ResolvedSettings } from './settings.ts';
import { DEFAULT_PROFILE } from './config-store.ts';

export interface GlobalFlags {
  json: boolean;
  color: boolean;
  input: boolean;
  verbose: boolean;
  profile?: string;
  apiUrl?: string;
  /** Trace every request to the platform on stderr (--debug; T1_DEBUG=http does the same). */
  debug?: boolean;
  /** --json <fields> or --csv <fields>: only these fields of each row or of the record. */
  fields?: string[] | undefined;
  /** --jq <expression>: the JSON goes through this jq filter (json is true too). */
  jq?: string | undefined;
  /** --csv: a list as CSV. */
  csv?: boolean;
  /** --header: a line of column names above tab-separated rows. */
  header?: boolean;
}

/** The spinner shown while a call to the platform is slow. */
export interface WaitingIndicator {
  /** No spinner until the returned function is called (a command drawing its own progress). */
  pause(): () => void;
}

export interface Deps {
  io: IO;
  env: NodeJS.ProcessEnv;
  flags: GlobalFlags;
  output: Output;
  paths: T1Paths;
  now(): Date;
  config(): Promise<ConfigStore>;
  settings(): Promise<ResolvedSettings>;
  /** The configured platform, or the embedded one when none is configured. */
  client(): Promise<PlatformClient>;
  prompter(): Prompter;
  waiting: WaitingIndicator;
  /** Resolves with the signal's name when the process is asked to stop (SIGINT, SIGTERM). */
  untilStopped(): Promise<string>;
  /** Releases the client and stops the embedded platform, if either was started. */
  dispose(): Promise<void>;
  /** Runs another t1 command line with the same streams and prompter (a wizard's fix); resolves to its exit code. */
  runLine(argv: string[]): Promise<number>;
}

/** How a command line is run: given to the deps by the program, which owns the command tree. */
export type CommandLine = (argv: string[], overrides: DepsOverrides) => Promise<number>;

export interface DepsOverrides {
  now?: () => Date;
  prompter?: Prompter;
  /** Sleep used between client retries (tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
  untilStopped?: () => Promise<string>;
}

/** How long a served embedded platform gets to answer its health check. */
const SERVED_HEALTH_TIMEOUT_MS = 1_000;

/**
 * The platform `t1 platform start` serves on the embedded database, when its serving
 * file names a live process that answers its health check; else undefined (no file, a
 * stale one, no token yet, or no answer), and the caller starts the platform in-process.
 */
async function servedEmbeddedPlatform(dataDir: string): Promise<{ url: string; pid: number; token: string } | undefined> {
  const { processAlive, readCliToken, readServing } = await import('../platform/embedded-serving.ts');
  const record = readServing(dataDir);
  if (!record || !processAlive(record.pid)) return undefined;
  const token = readCliToken(dataDir);
  if (!token) return undefined;
  const { PlatformClient } = await import('../client/platform-client.ts');
  const probe = new PlatformClient({
    baseUrl: record.url,
    maxAttempts: 1,
    connectTimeoutMs: SERVED_HEALTH_TIMEOUT_MS,
    requestTimeoutMs: SERVED_HEALTH_TIMEOUT_MS,
  });
  try {
    return (await probe.health()).ok ? { url: record.url, pid: record.pid, token } : undefined;
  } catch {
    return undefined;
  } finally {
    await probe.close();
  }
}

/** Resolves with the first SIGINT or SIGTERM; `release` takes the listeners off again. */
function watchSignals(): { stopped: Promise<string>; release(): void } {
  let release = () => {};
  const stopped = new Promise<string>((resolve) => {
    const stop = (signal: string) => {
      release();
      resolve(signal);
    };
    release = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return { stopped, release };
}

/** Asks through `prompter` with the spinner paused, so a question never shares its line. */
function pausingPrompter(prompter: Prompter, waiting: WaitingIndicator): Prompter {
  const paused = async <T>(ask: () => Promise<T>): Promise<T> => {
    const resume = waiting.pause();
    try {
      return await ask();
    } finally {
      resume();
    }
  };
  return {
    input: (message, flagHint, options) => paused(() => prompter.input(message, flagHint, options)),
    password: (message, flagHint) => paused(() => prompter.password(message, flagHint)),
    select: (message, choices) => paused(() => prompter.select(message, choices)),
    confirm: (message, flagHint) => paused(() => prompter.confirm(message, flagHint)),
    search: (message, source) => paused(() => prompter.search(message, source)),
  };
}

export function createDeps(io: IO, env: NodeJS.ProcessEnv, flags: GlobalFlags, overrides: DepsOverrides, commandLine: CommandLine): Deps {
  const interactive = decideInteractive(io, env, flags.input);
  const output = new Output(io, {
    json: flags.json,
    color: useColor(env, flags.color),
    verbose: flags.verbose,
    interactive,
    header: flags.header,
    fields: flags.fields,
    jq: flags.jq,
    csv: flags.csv,
  });
  const debug = resolveDebug(flags, env);
  for (const topic of debug.unknown) {
    output.notice(`T1_DEBUG names ${JSON.stringify(topic)}, which t1 does not trace; use T1_DEBUG=http.`);
  }
  // The spinner redraws its line, which takes a real terminal of a known width (a stream that
  // only claims to be one, or a terminal of width 0, would fill with debris). Retry lines show
  // on a terminal, or anywhere with --verbose. Both show with --json too: stdout stays JSON.
  const stderrColumns = (io.stderr as { columns?: number }).columns ?? 0;
  const progress = new CallProgress({
    stderr: io.stderr,
    spinner: io.stderrIsTTY && io.stderr.isTTY === true && stderrColumns > 0,
    retryNotices: io.stderrIsTTY || flags.verbose,
    verbose: flags.verbose,
    trace: debug.http,
    color: output.settings.color,
  });
  const paths = t1Paths(env);
  const cleanups: (() => Promise<void>)[] = [];
  let store: Promise<ConfigStore> | undefined;
  let client: Promise<PlatformClient> | undefined;
  let prompter: Prompter | undefined;
  let signals: ReturnType<typeof watchSignals> | undefined;
  // One watch per command, released when it ends: commands run in one process (a wizard's
  // fix, the tests) must not pile listeners up on the process.
  const untilSignalled = (): Promise<string> => {
    if (!signals) {
      const watch = watchSignals();
      signals = watch;
      cleanups.push(async () => watch.release());
    }
    return signals.stopped;
  };

  const config = () =>
    (store ??= import('./config-store.ts').then(({ ConfigStore }) => new ConfigStore(paths.configDir)));
  const settings = async () => resolveSettings(flags, env, await config());

  const connect = async (): Promise<PlatformClient> => {
    const resolved = await settings();
    const store = await config();
    if (resolved.profile.source !== 'profile' && resolved.profile.value !== DEFAULT_PROFILE && !store.hasProfile(resolved.profile.value)) {
      throw new CliError(
        `There is no profile "${resolved.profile.value}".`,
        EXIT.usage,
        `See the profiles with "t1 profiles"; create one with "t1 --profile ${resolved.profile.value} login --api-url <url>".`,
      );
    }
    const { PlatformClient } = await import('../client/platform-client.ts');
    let baseUrl = resolved.apiUrl ? checkedApiUrl(resolved.apiUrl) : undefined;
    let token = resolved.token?.value;
    if (baseUrl && !token) {
      throw new CliError(
        `Not logged in to ${baseUrl} (profile "${resolved.profile.value}").`,
        EXIT.auth,
        `Run "t1 login --api-url ${baseUrl}", or set T1_TOKEN.`,
      );
    }
    const served = baseUrl ? undefined : await servedEmbeddedPlatform(paths.dataDir);
    if (served) {
      output.notice(`Using the platform served by "t1 platform start" at ${served.url} (pid ${served.pid}).`);
      baseUrl = served.url;
      token = served.token;
    }
    if (!baseUrl) {
      const { startEmbeddedPlatform } = await import('../platform/embedded.ts');
      const embedded = await startEmbeddedPlatform({ dataDir: paths.dataDir, env });
      cleanups.push(() => embedded.close());
      output.notice(
        `Using the embedded demo platform (data in ${paths.dataDir}); set T1_API_URL or run "t1 login" to use your own.`,
      );
      baseUrl = embedded.url;
      token = embedded.token;
    }
    const instance = new PlatformClient({
      baseUrl,
      token,
      requestTimeoutMs: resolved.timeoutSeconds.value * 1000,
      userAgent: 't1',
      sleep: overrides.sleep,
      progress,
    });
    cleanups.unshift(() => instance.close());
    return instance;
  };

  return {
    io,
    env,
    flags,
    output,
    paths,
    now: overrides.now ?? (() => new Date()),
    config,
    settings,
    client: () => (client ??= connect()),
    prompter: () => (prompter ??= pausingPrompter(overrides.prompter ?? terminalPrompter(io, interactive), progress)),
    waiting: progress,
    untilStopped: overrides.untilStopped ?? untilSignalled,
    async dispose() {
      progress.stop();
      for (const cleanup of cleanups.splice(0)) await cleanup();
    },
    runLine: (argv) => commandLine(argv, { ...overrides, prompter: prompter ?? overrides.prompter ?? terminalPrompter(io, interactive) }),
  };
}
