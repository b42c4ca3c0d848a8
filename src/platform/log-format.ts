// On a terminal, the platform's JSON log lines become one short line per request
// ("09:12:01 200 GET /v1/users 3 ms") and per message; elsewhere they stay JSON for
// log collectors.
import { Writable } from 'node:stream';

interface LogLine {
  level?: number;
  time?: number;
  msg?: string;
  reqId?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  err?: { message?: string };
}

const ERROR_LEVEL = 50;
/** The message of a request refused before any route ran (see routes/http-edge.ts). */
export const REFUSED_MESSAGE = 'request refused';
// Requests whose completion never comes (the client went away mid-body) must not pile up.
const MAX_PENDING_REQUESTS = 1000;

export function humanLogStream(target: NodeJS.WritableStream): Writable {
  const requests = new Map<string, string>();
  let pending = '';
  const format = (line: LogLine): string | null => {
    const time = new Date(line.time ?? Date.now()).toISOString().slice(11, 19);
    if (line.msg === 'incoming request' && line.reqId) {
      requests.set(line.reqId, `${line.req?.method ?? ''} ${line.req?.url ?? ''}`);
      if (requests.size > MAX_PENDING_REQUESTS) requests.delete(requests.keys().next().value!);
      return null;
    }
    if (line.msg === REFUSED_MESSAGE && line.reqId) {
      const request = requests.get(line.reqId) ?? 'request';
      requests.delete(line.reqId);
      return `${time} ${line.res?.statusCode ?? '-'} ${request} refused (${line.reqId})`;
    }
    if (line.msg === 'request completed' && line.reqId) {
      const request = requests.get(line.reqId) ?? line.reqId;
      requests.delete(line.reqId);
      return `${time} ${line.res?.statusCode ?? '-'} ${request} ${Math.round(line.responseTime ?? 0)} ms`;
    }
    const level = (line.level ?? 0) >= ERROR_LEVEL ? 'ERROR ' : '';
    return `${time} ${level}${line.msg ?? ''}${line.err?.message ? `: ${line.err.message}` : ''}${line.reqId ? ` (${line.reqId})` : ''}`;
  };
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const text of lines) {
        if (!text.trim()) continue;
        let out: string | null;
        try {
          out = format(JSON.parse(text) as LogLine);
        } catch {
          out = text;
        }
        if (out !== null) target.write(`${out}\n`);
      }
      done();
    },
  });
}
