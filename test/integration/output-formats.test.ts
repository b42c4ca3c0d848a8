// Choosing what stdout gets: a table that fits the terminal, tab-separated rows (with
// --header), --json with or without a field list, --jq, --csv; and failures a script can
// read: with --json, one JSON error object on stderr; the request id on every platform
// or network failure.
import { createServer, type Server } from 'node:http';
import { parse } from 'csv-parse/sync';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runT1 } from '../helpers/cli.ts';
import { personRow } from '../helpers/people.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { DEMO_EXAMPLES } from '../../src/platform/seed/demo.ts';
import { closedPort, lines, removeScratch, rows, scratch } from './support.ts';

const CJK = { email: 'priya.sato@proseware.example', name: 'プリヤ 佐藤', company: '株式会社プロスウェア' };
// The order users find gives them.
const FOUND = [DEMO_EXAMPLES.pendingVerificationPerson, CJK.email, DEMO_EXAMPLES.personWithSeveralRegistrations];
const USER_FIELDS = 'id, email, firstName, lastName, fullName, company, registrations';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
  await platform.platform.ctx.db
    .insertInto('users')
    .values(personRow({ id: 'usr_cjkname', email: CJK.email, first: 'プリヤ', last: '佐藤', company: CJK.company }))
    .execute();
});
afterAll(async () => {
  await platform.close();
  removeScratch();
});

const t1 = (argv: string[], options: { tty?: boolean; columns?: number } = {}) => runT1(argv, { env: platform.env(), ...options });

/** The one JSON error object on stderr. */
function jsonError(stderr: string): { code: string; message: string; hint?: string; requestId: string | null; exitCode: number; status?: number } {
  expect(lines(stderr)).toHaveLength(1);
  return JSON.parse(stderr).error;
}

describe('a table on an 80-column terminal', () => {
  it('fits: the CJK name and every email whole, the company left out and said so', async () => {
    const result = await t1(['users', 'find', 'priya'], { tty: true, columns: 80 });
    expect(result.exitCode).toBe(0);
    const shown = lines(result.stdout);
    for (const line of shown) expect(stringWidth(line)).toBeLessThanOrEqual(80);
    expect(shown[1]).toMatch(/^│ Name +│ Email +│ Registrations +│$/);
    expect(result.stdout).toMatch(new RegExp(`│ ${CJK.name} +│ ${CJK.email.replaceAll('.', '\\.')} +│`));
    for (const email of [DEMO_EXAMPLES.personWithSeveralRegistrations, DEMO_EXAMPLES.pendingVerificationPerson]) expect(result.stdout).toContain(` ${email} `);
    expect(result.stdout).not.toContain(CJK.company);
    expect(result.stderr).toBe('Not shown for lack of width: Company. A wider terminal or --json shows everything.\n');
  });

  it('keeps every column when the terminal is wide enough', async () => {
    const result = await t1(['users', 'find', 'priya'], { tty: true, columns: 200 });
    expect(lines(result.stdout)[1]).toMatch(/^│ Name +│ Email +│ Company +│ Registrations +│$/);
    expect(result.stdout).toContain(CJK.company);
    expect(result.stderr).toBe('');
  });
});

describe('tab-separated rows', () => {
  it('have no header unless --header asks for one', async () => {
    const plain = await t1(['users', 'find', 'priya']);
    expect(rows(plain.stdout).map((row) => row[1])).toEqual(FOUND);
    const headed = await t1(['users', 'find', 'priya', '--header']);
    expect(lines(headed.stdout)[0]).toBe('Name\tEmail\tCompany\tRegistrations');
    expect(lines(headed.stdout).slice(1)).toEqual(lines(plain.stdout));
  });

  it('head the timeline too', async () => {
    const result = await t1(['users', 'timeline', DEMO_EXAMPLES.personWithSeveralRegistrations, '--header', '--limit', '2']);
    expect(result.exitCode).toBe(0);
    expect(lines(result.stdout)[0]).toBe('Time\tKind\tOutcome\tReason\tEvent\tSummary\tBrowser');
    expect(lines(result.stdout)).toHaveLength(3);
  });
});

describe('--json with a field list', () => {
  it('prints each row with only those fields, in that order', async () => {
    const result = await t1(['users', 'find', 'priya', '--json', 'email,fullName']);
    expect(result.exitCode).toBe(0);
    const people = JSON.parse(result.stdout);
    expect(people).toContainEqual({ email: CJK.email, fullName: CJK.name });
    expect(people).toContainEqual({ email: DEMO_EXAMPLES.personWithSeveralRegistrations, fullName: 'Priya Sharma' });
    for (const person of people) expect(Object.keys(person)).toEqual(['email', 'fullName']);
  });

  it('prints the record with those fields for a command that shows one', async () => {
    const result = await t1(['users', 'show', CJK.email, '--json', 'fullName,company']);
    expect(JSON.parse(result.stdout)).toEqual({ fullName: CJK.name, company: CJK.company });
  });

  it('without fields still prints the whole result, wherever --json stands', async () => {
    for (const argv of [['users', 'find', 'priya', '--json'], ['--json', 'users', 'find', 'priya']]) {
      const result = await t1(argv);
      expect(result.exitCode).toBe(0);
      expect(Object.keys(JSON.parse(result.stdout))).toEqual(['query', 'items', 'nextCursor']);
    }
    const status = await t1(['--json', 'status', DEMO_EXAMPLES.personWithOneRegistration]);
    expect(JSON.parse(status.stdout).kind).toBe('status');
  });

  it('refuses an unknown field with exit 2, naming the fields there are', async () => {
    const result = await t1(['users', 'find', 'priya', '--json', 'email,nickname']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    const error = jsonError(result.stderr);
    expect(error).toMatchObject({ code: 'usage', exitCode: 2, message: '--json names an unknown field: "nickname".', hint: `The fields: ${USER_FIELDS}.` });
  });

  it('refuses a field list before an action runs, so nothing happens', async () => {
    const locked = DEMO_EXAMPLES.lockedPerson;
    const result = await t1(['users', 'unlock', locked, '--yes', '--json', 'email']);
    expect(result.exitCode).toBe(2);
    expect(jsonError(result.stderr).message).toBe('This command has no field list for --json.');
    const shown = await t1(['users', 'show', locked, '--json', 'account']);
    expect(JSON.parse(shown.stdout).account.locked).toBe(true);
  });
});

describe('--jq', () => {
  it('prints what the expression picks, strings as they are', async () => {
    const result = await t1(['users', 'find', 'priya', '--jq', '.[].email']);
    expect(result.exitCode).toBe(0);
    expect(lines(result.stdout)).toEqual(FOUND);
  });

  it('sees the fields a list names, and prints other values as JSON', async () => {
    const result = await t1(['users', 'find', 'priya', '--json', 'email,company', '--jq', 'map(select(.company == "Contoso")) | length']);
    expect(result.stdout).toBe('1\n');
    const record = await t1(['users', 'show', CJK.email, '--jq', '{name: .fullName, verified: .account.emailVerifiedAt}']);
    expect(JSON.parse(record.stdout)).toEqual({ name: CJK.name, verified: null });
  });

  it('refuses an expression jq cannot read with exit 2, before the command runs', async () => {
    const result = await t1(['users', 'unlock', DEMO_EXAMPLES.lockedPerson, '--yes', '--jq', '.[']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(jsonError(result.stderr).message).toMatch(/^--jq cannot read the expression: syntax error/);
    const shown = await t1(['users', 'show', DEMO_EXAMPLES.lockedPerson, '--jq', '.account.locked']);
    expect(shown.stdout).toBe('true\n');
  });
});

describe('--csv', () => {
  it('prints a list with a header line, every field, nested values as JSON', async () => {
    const result = await t1(['users', 'find', 'priya', '--csv']);
    expect(result.exitCode).toBe(0);
    const [header, ...records] = parse(result.stdout) as string[][];
    expect(header).toEqual(USER_FIELDS.split(', '));
    const sharma = records.find((r) => r[1] === DEMO_EXAMPLES.personWithSeveralRegistrations)!;
    expect(sharma[4]).toBe('Priya Sharma');
    expect(JSON.parse(sharma[6]!)).toHaveLength(3);
    expect(records.find((r) => r[1] === CJK.email)!.slice(4, 6)).toEqual([CJK.name, CJK.company]);
  });

  it('prints only the fields it is given', async () => {
    const result = await t1(['users', 'find', 'priya.sato', '--csv', 'email,fullName']);
    expect(result.stdout).toBe(`email,fullName\n${CJK.email},${CJK.name}\n`);
  });

  it('is for lists: a command showing one thing refuses it with exit 2', async () => {
    const result = await t1(['users', 'show', CJK.email, '--csv']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--csv prints lists, and this command does not list anything.');
    const both = await t1(['users', 'find', 'priya', '--csv', '--json']);
    expect(both.exitCode).toBe(2);
  });
});

describe('failures with --json', () => {
  it('put one JSON error on stderr with the code, message and request id', async () => {
    const result = await t1(['users', 'show', 'nobody@nowhere.example', '--json']);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe('');
    const error = jsonError(result.stderr);
    expect(error).toMatchObject({ code: 'not_found', status: 404, exitCode: 3, message: 'No person matches "nobody@nowhere.example".' });
    expect(error.requestId).toMatch(/^req_/);
  });

  it('answer a malformed command line the same way', async () => {
    const result = await t1(['users', 'find', 'priya', '--json', '--no-such-flag']);
    expect(result.exitCode).toBe(2);
    expect(jsonError(result.stderr)).toEqual({ code: 'usage', message: "unknown option '--no-such-flag'", requestId: null, exitCode: 2 });
  });

  it('give the request id t1 sent when the platform cannot be reached', async () => {
    const port = await closedPort();
    const result = await runT1(['events', 'list', '--json'], { env: { T1_API_URL: `http://127.0.0.1:${port}`, T1_TOKEN: 't1_whatever', T1_HOME: scratch() } });
    expect(result.exitCode).toBe(1);
    const error = jsonError(result.stderr);
    expect(error).toMatchObject({ code: 'unreachable', exitCode: 1 });
    expect(error.requestId).toMatch(/^t1-[0-9a-f-]{36}$/);
  });
});

describe('the request id on platform failures', () => {
  // A load balancer whose platform is down: 502 with an HTML page, and its own request id or none.
  let gateway: Server;
  let url: string;
  beforeAll(async () => {
    gateway = createServer((request, response) => {
      const headers: Record<string, string> = { 'content-type': 'text/html' };
      if (request.url?.startsWith('/v1/events')) headers['x-request-id'] = 'lb-7f3a9c';
      response.writeHead(502, headers).end('<html><body>Bad gateway</body></html>');
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const address = gateway.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => gateway.close(() => resolve()));
  });
  const env = () => ({ T1_API_URL: url, T1_TOKEN: 't1_whatever', T1_HOME: scratch() });

  it('is shown without --verbose: the one that came back', async () => {
    const result = await runT1(['events', 'list'], { env: env() });
    expect(result.exitCode).toBe(1);
    expect(lines(result.stderr)).toEqual([
      'Error: The platform answered HTTP 502 Bad Gateway without an error description.',
      'The platform had a problem; try again, and report the request id if it persists.',
      'Request id: lb-7f3a9c (quote it when reporting the problem).',
    ]);
  });

  it('is the one t1 sent when none came back', async () => {
    const result = await runT1(['users', 'find', 'priya'], { env: env() });
    expect(result.exitCode).toBe(1);
    expect(lines(result.stderr).at(-1)).toMatch(/^Request id: t1-[0-9a-f-]{36} \(the one t1 sent; no id came back\)\.$/);
  });
});

describe('a 4xx answer', () => {
  it('keeps the request id for --verbose', async () => {
    const quiet = await t1(['users', 'show', 'nobody@nowhere.example']);
    expect(quiet.stderr).not.toMatch(/request id/i);
    const verbose = await t1(['users', 'show', 'nobody@nowhere.example', '--verbose']);
    expect(verbose.stderr).toMatch(/^ {2}request id: req_\S+$/m);
  });
});
