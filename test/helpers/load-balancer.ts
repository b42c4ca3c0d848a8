// A real HTTP load balancer for tests and benchmarks that run several platform instances
// as one: Debian's HAProxy, round robin over the given backends, health-checked, on a free
// loopback port, with its configuration in a temporary directory. `startLoadBalancer`
// resolves once every backend passes its health check; `close()` stops HAProxy and removes
// the directory.
//
// Each response carries `X-Served-By: backend-<index>` (the position in `backends`), so a
// test can see which instance answered.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HAPROXY = '/usr/sbin/haproxy';

/** True when HAProxy is installed where Debian puts it. */
export function haproxyAvailable(): boolean {
  return existsSync(HAPROXY);
}

export interface LoadBalancer {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

export interface LoadBalancerOptions {
  /** The instances, as http://127.0.0.1:<port>. */
  backends: string[];
  /** The path HAProxy's health check GETs on every backend (2xx or 3xx is healthy). */
  checkPath?: string;
  /** The port to listen on, when the instances must know the public URL before it starts; a free one otherwise. */
  port?: number;
}

const READY_TIMEOUT_MS = 15_000;

export async function startLoadBalancer(options: LoadBalancerOptions): Promise<LoadBalancer> {
  if (options.backends.length === 0) throw new Error('startLoadBalancer needs at least one backend');
  const backends = options.backends.map(parseBackend);
  const checkPath = options.checkPath ?? '/v1/health';
  if (!/^\/[\x21-\x7e]*$/.test(checkPath)) throw new Error(`checkPath must be an absolute path without spaces: ${checkPath}`);

  const dir = mkdtempSync(join(tmpdir(), 't1-haproxy-'));
  const socket = join(dir, 'admin.sock');
  // A port that was free a moment ago can be taken before HAProxy binds it: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort());
    const configPath = join(dir, 'haproxy.cfg');
    writeFileSync(configPath, configuration({ port, socket, checkPath, backends }));
    const haproxy = spawn(HAPROXY, ['-db', '-f', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    haproxy.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    haproxy.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<void>((done) => haproxy.once('close', () => done()));
    try {
      await waitUntilAllUp(haproxy, socket, backends.length, () => output);
      return {
        url: `http://127.0.0.1:${port}`,
        close: async () => {
          await stop(haproxy, exited);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
      await stop(haproxy, exited);
      if (options.port !== undefined || !/cannot bind|Address already in use/i.test(output)) break;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

interface Backend {
  host: string;
  port: number;
}

function parseBackend(url: string): Backend {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' || !parsed.port) throw new Error(`a backend must be http://host:port, not ${url}`);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

function configuration(input: { port: number; socket: string; checkPath: string; backends: Backend[] }): string {
  const servers = input.backends.map((backend, index) => `  server backend-${index} ${backend.host}:${backend.port} check`);
  return [
    'global',
    '  maxconn 2000',
    `  stats socket ${input.socket} level admin`,
    '',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-request 10s',
    // The instances trust X-Forwarded-For from the balancer (`--trust-proxy`).
    '  option forwardfor',
    // A request whose connection to a dead instance fails goes to another one; nothing
    // reached the dead one, so this is safe for any method.
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure',
    '',
    'frontend public',
    `  bind 127.0.0.1:${input.port}`,
    '  default_backend instances',
    '',
    'backend instances',
    '  balance roundrobin',
    `  option httpchk GET ${input.checkPath}`,
    '  http-check expect status 200-399',
    // Fast checks: a killed instance (refused at once) leaves the rotation within a second. A
    // busy one answers late but answers: three misses of 2 s each before it is taken out.
    '  timeout check 2s',
    '  default-server inter 250ms fall 3 rise 1',
    '  http-response set-header X-Served-By %[srv_name]',
    ...servers,
    '',
  ].join('\n');
}

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

/** Polls HAProxy's admin socket until every server of the backend reports UP. */
async function waitUntilAllUp(haproxy: ChildProcess, socket: string, count: number, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let states: string[] = [];
  while (Date.now() < deadline) {
    if (haproxy.exitCode !== null || haproxy.signalCode !== null) throw new Error(`haproxy exited before it was ready:\n${output()}`);
    if (existsSync(socket)) {
      states = await serverStates(socket).catch(() => []);
      if (states.length === count && states.every((state) => state === 'UP')) return;
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`haproxy backends not all UP within ${READY_TIMEOUT_MS} ms (states: ${states.join(', ') || 'none'}):\n${output()}`);
}

/** The status column of `show stat` for each server (not the frontend/backend rows). */
async function serverStates(socket: string): Promise<string[]> {
  const csv = await adminCommand(socket, 'show stat');
  const [header, ...rows] = csv.split('\n').filter((line) => line.trim() !== '');
  const columns = (header ?? '').replace(/^# /, '').split(',');
  const name = columns.indexOf('svname');
  const status = columns.indexOf('status');
  return rows
    .map((row) => row.split(','))
    .filter((cells) => cells[name] !== 'FRONTEND' && cells[name] !== 'BACKEND')
    .map((cells) => cells[status] ?? '');
}

function adminCommand(socket: string, command: string): Promise<string> {
  return new Promise((done, fail) => {
    const connection = createConnection(socket);
    let reply = '';
    connection.setEncoding('utf8');
    connection.on('data', (chunk: string) => (reply += chunk));
    connection.once('error', fail);
    connection.once('end', () => done(reply));
    connection.write(`${command}\n`);
  });
}

async function stop(haproxy: ChildProcess, exited: Promise<void>): Promise<void> {
  if (haproxy.exitCode === null && haproxy.signalCode === null) {
    haproxy.kill('SIGTERM');
    const timer = setTimeout(() => haproxy.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}
