// t1 platform start: runs the reference platform until SIGINT or SIGTERM. Without --db
// it serves the embedded database, seeded with the demo, at the stable public URL the
// embedded platform puts in its links.
import { isIP } from 'node:net';
import type { Deps } from '../../cli/deps.ts';
import { CliError, usageError } from '../../cli/errors.ts';
import { EXIT } from '../../cli/exit-codes.ts';
import type { Output } from '../../cli/render/output.ts';
import { EMBEDDED_PUBLIC_URL, ensureCliToken } from '../../platform/embedded.ts';
import { removeServing, writeServing } from '../../platform/embedded-serving.ts';
import { openPlatform, type Platform } from '../../platform/platform.ts';
import { humanLogStream } from '../../platform/log-format.ts';
import { seedDemo } from '../../platform/seed/demo.ts';
import { describeDatabase, platformDatabase } from './database.ts';

export interface Options {
  db?: string;
  host: string;
  port: number;
  publicUrl?: string;
  demo: boolean;
  quiet: boolean;
  smtp?: string;
  mailFrom?: string;
  /** http(s) URL that receives text messages (also T1_SMS_GATEWAY_URL). */
  smsGateway?: string;
  trustProxy?: string;
  /** Days activity entries and dead links are kept; the platform's default (90) without it. */
  retentionDays?: number;
  /** Prometheus metrics at /metrics (also T1_METRICS=1). */
  metrics: boolean;
  /** Serve /metrics on this port only, not on the public one; implies metrics. */
  metricsPort?: number;
  /** Seconds a stop waits for requests and mails in flight. */
  gracePeriod: number;
}

function trustProxySetting(value: string | undefined): boolean | string | undefined {
  if (value === undefined || value === 'true') return value === 'true' ? true : undefined;
  const valid = value.split(',').every((part) => {
    const [address, bits, extra] = part.trim().split('/');
    return extra === undefined && isIP(address ?? '') !== 0 && (bits === undefined || /^\d{1,3}$/.test(bits));
  });
  if (!valid) throw usageError(`--trust-proxy "${value}" is not "true" or a list of proxy addresses.`, 'Example: --trust-proxy 10.0.0.0/8,192.168.1.5');
  return value;
}

const LOOPBACK = /^(127\.|::1$|localhost$)/;

export interface View {
  url: string;
  publicUrl: string;
  database: string;
  seeded: boolean;
  stoppedBy: string;
}

function defaultPublicUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/** The bound URL as a client on this machine reaches it: a wildcard host becomes loopback. */
function localUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === '0.0.0.0') parsed.hostname = '127.0.0.1';
  else if (parsed.hostname === '[::]') parsed.hostname = '[::1]';
  return parsed.origin;
}

async function listenOrExplain(platform: Platform, host: string, port: number): Promise<string> {
  try {
    return await platform.listen(host, port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // The metrics port, when it has one, is bound after the public one.
    const failed = (error as { port?: number }).port ?? port;
    const flag = failed === port ? '--port' : '--metrics-port';
    if (code === 'EADDRINUSE') throw new CliError(`Port ${failed} on ${host} is already in use.`, EXIT.failure, `Pick another with ${flag}, or stop what is using it.`);
    if (code === 'EACCES') throw new CliError(`Not allowed to listen on port ${failed}.`, EXIT.failure, `Ports below 1024 need privileges; pick another with ${flag}.`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new CliError(`Cannot listen on ${host}: no such address here.`, EXIT.usage, 'Use 127.0.0.1, 0.0.0.0 or an address of this machine.');
    throw error;
  }
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const { location, embedded } = platformDatabase(options.db, deps);
  let publicUrl =
    options.publicUrl ?? (embedded && options.port === 4747 && options.host === '127.0.0.1' ? EMBEDDED_PUBLIC_URL : defaultPublicUrl(options.host, options.port));
  try {
    new URL(publicUrl);
  } catch {
    throw usageError(`--public-url "${publicUrl}" is not a URL.`);
  }
  const smtp = options.smtp ?? deps.env.T1_SMTP_URL;
  if (smtp && !/^smtps?:\/\//.test(smtp)) throw usageError(`--smtp "${smtp}" must be an smtp:// or smtps:// URL.`);
  const smsGateway = options.smsGateway ?? deps.env.T1_SMS_GATEWAY_URL;
  if (smsGateway && !/^https?:\/\//.test(smsGateway)) throw usageError(`--sms-gateway "${smsGateway}" must be an http:// or https:// URL.`);
  if (smsGateway && !deps.env.T1_SMS_GATEWAY_SECRET) {
    throw usageError('--sms-gateway needs T1_SMS_GATEWAY_SECRET, the secret its requests are signed with.', 'Generate one with: openssl rand -hex 32');
  }
  const platform = await openPlatform({
    database: location,
    publicUrl,
    env: deps.env,
    // --quiet drops the request log; failures are always logged.
    logStream: deps.io.stderrIsTTY ? humanLogStream(deps.io.stderr) : deps.io.stderr,
    logLevel: options.quiet ? 'error' : 'info',
    smtpUrl: options.smtp ?? deps.env.T1_SMTP_URL,
    mailFrom: options.mailFrom,
    smsGatewayUrl: smsGateway,
    trustProxy: trustProxySetting(options.trustProxy),
    retentionDays: options.retentionDays,
    metrics: options.metrics || deps.env.T1_METRICS === '1',
    metricsPort: options.metricsPort,
  });
  let serving = false;
  try {
    const seeded = embedded || options.demo ? (await seedDemo(platform.ctx.db, platform.ctx)).created : false;
    // t1 commands with no platform configured use this one: with the embedded CLI token.
    if (embedded) await ensureCliToken(platform.ctx, deps.paths.dataDir);
    const url = await listenOrExplain(platform, options.host, options.port);
    if (embedded) {
      writeServing(deps.paths.dataDir, { url: localUrl(url), pid: process.pid, startedAt: deps.now().toISOString() });
      serving = true;
    }
    if (options.publicUrl === undefined && options.port === 0) {
      // Any free port was asked for: links can only name it once it is bound.
      publicUrl = defaultPublicUrl(options.host, Number(new URL(url).port));
      platform.ctx.publicUrl = publicUrl;
    }
    deps.output.line(`t1 platform listening on ${url} (database ${describeDatabase(location)}, public URL ${publicUrl})`);
    if (seeded) deps.output.notice('Seeded the demo organisation.');
    const organisation = await platform.ctx.db.selectFrom('organisations').select('id').executeTakeFirst();
    if (!organisation) {
      deps.output.notice(`This database has no organisation yet: add the demo with "t1 platform seed --demo --db ${options.db}", or start one with "t1 platform token create --role admin --db ${options.db}".`);
    }
    if (embedded && !LOOPBACK.test(options.host)) {
      deps.output.notice('Warning: this is the demo database, whose staff passwords are published; anyone who can reach this address can sign in as an admin.');
    }
    deps.output.notice(platform.delivery ? 'Emails are sent by SMTP.' : 'No SMTP server given (--smtp): emails are kept as "captured", not sent.');
    if (platform.smsDelivery) deps.output.notice('Text messages are sent through the SMS gateway.');
    if (platform.metrics) deps.output.notice(`Metrics for Prometheus at ${platform.metricsUrl ?? `${localUrl(url)}/metrics`}.`);
    deps.output.notice('Press Ctrl-C to stop.');
    const stoppedBy = await deps.untilStopped();
    // A second signal is no longer caught, so it ends the process at once.
    deps.output.notice(`Stopping (${stoppedBy}): finishing requests and emails in flight, for at most ${options.gracePeriod} s.`);
    return { url, publicUrl, database: describeDatabase(location), seeded, stoppedBy };
  } finally {
    if (serving) removeServing(deps.paths.dataDir, process.pid);
    await platform.close({ graceMs: options.gracePeriod * 1000 });
  }
}

export function render(view: View, out: Output): void {
  out.notice(`Stopped (${view.stoppedBy}).`);
}
