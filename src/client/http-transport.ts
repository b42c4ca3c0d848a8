// One HTTP round trip over Node's own http and https modules, with the three timeouts the
// client needs: connecting, waiting for the response headers, and each pause while the
// body arrives. Node's modules load in a few milliseconds, where an HTTP library added
// more than a hundred to every command's start.
import type { Agent, ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** Failure codes of our own, beside the system's (ECONNREFUSED, ENOTFOUND...). */
export const CONNECT_TIMEOUT = 'T1_CONNECT_TIMEOUT';
export const HEADERS_TIMEOUT = 'T1_HEADERS_TIMEOUT';
export const BODY_TIMEOUT = 'T1_BODY_TIMEOUT';

export interface TransportRequest {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export interface TransportResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface TransportOptions {
  connectTimeoutMs: number;
  /** Longest wait for the response headers, and between chunks of the body. */
  requestTimeoutMs: number;
}

/** A failure with a code, as Node's own network errors have. */
export class TransportError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** What is used of node:http, and of node:https which has the same shape. */
type HttpModule = Pick<typeof import('node:http'), 'request' | 'Agent'>;

/** Keeps connections open between the calls of one command; `close` drops them. */
export class HttpTransport {
  readonly #options: TransportOptions;
  readonly #agents = new Map<string, Agent>();

  constructor(options: TransportOptions) {
    this.#options = options;
  }

  send(url: URL, request: TransportRequest): Promise<TransportResponse> {
    const secure = url.protocol === 'https:';
    // https is loaded only for https URLs: it brings TLS with it.
    const module: HttpModule = process.getBuiltinModule(secure ? 'node:https' : 'node:http');
    const agent = this.#agent(module, url.protocol);
    const headers = request.body === undefined ? request.headers : { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) };
    // Throws at once on a header Node refuses (a token with a line break): a local
    // mistake, not the network, so the caller gets an exception, not a failed round trip.
    const req = module.request(url, { method: request.method, headers, agent });
    return new Promise((resolve, reject) => {
      const timer = new Deadline();
      const waitForHeaders = () => timer.set(req, HEADERS_TIMEOUT, 'timed out waiting for a response', this.#options.requestTimeoutMs);
      req.once('socket', (socket) => {
        if (!socket.connecting) return waitForHeaders();
        timer.set(req, CONNECT_TIMEOUT, 'connection timed out', this.#options.connectTimeoutMs);
        socket.once('connect', waitForHeaders);
      });
      req.once('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        const waitForChunk = () => timer.set(res, BODY_TIMEOUT, 'timed out reading the response', this.#options.requestTimeoutMs);
        waitForChunk();
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          waitForChunk();
        });
        res.once('end', () => {
          timer.clear();
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.once('error', (error) => {
          timer.clear();
          reject(error);
        });
      });
      req.once('error', (error) => {
        timer.clear();
        reject(error);
      });
      req.end(request.body);
    });
  }

  /** Drops open connections; the transport cannot be used afterwards. */
  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  #agent(module: HttpModule, protocol: string): Agent {
    let agent = this.#agents.get(protocol);
    if (agent === undefined) {
      agent = new module.Agent({ keepAlive: true });
      this.#agents.set(protocol, agent);
    }
    return agent;
  }
}

/**
 * One timer per request, moved from stage to stage; when it fires, the stream of that
 * stage (the request, then the response) is destroyed with the stage's code.
 */
class Deadline {
  #timer: NodeJS.Timeout | undefined;

  set(stream: ClientRequest | IncomingMessage, code: string, message: string, ms: number): void {
    this.clear();
    this.#timer = setTimeout(() => stream.destroy(new TransportError(code, message)), ms);
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}
