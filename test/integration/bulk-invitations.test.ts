// t1 invitations bulk against the real in-process platform (SQLite, a real SMTP sink):
// a 20,000-row file with bad rows of each kind invites every good row once and reports
// every other row with its reason (exit 5); the same file again invites no one; --dry-run
// writes the same report and changes nothing; unusable files exit 2 with nothing invited.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import { confirming, startActionWorld, type ActionWorld } from '../helpers/action-kit.ts';
import { runT1 } from '../helpers/cli.ts';

const EVENT = DEMO_EVENT_SLUGS.upcoming;
const ROWS = 20_000;

let world: ActionWorld;
let dir: string;

beforeAll(async () => {
  world = await startActionWorld();
  dir = mkdtempSync(join(tmpdir(), 't1-bulk-it-'));
});
afterAll(async () => {
  await world?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Expected {
  outcome: string;
  code: string;
}

/** People registered for the event in the demo: the file names some of them again. */
async function registeredEmails(limit: number): Promise<string[]> {
  const rows = await world.platform.platform.ctx.db
    .selectFrom('registrations')
    .innerJoin('users', 'users.id', 'registrations.user_id')
    .innerJoin('events', 'events.id', 'registrations.event_id')
    .select('users.email')
    .where('events.slug', '=', EVENT)
    .where('registrations.status', '=', 'registered')
    .limit(limit)
    .execute();
  return rows.map((r) => r.email);
}

async function counts(): Promise<{ bulk: number; invitationMails: number }> {
  const db = world.platform.platform.ctx.db;
  const bulk = await db
    .selectFrom('registrations')
    .innerJoin('events', 'events.id', 'registrations.event_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('events.slug', '=', EVENT)
    .where('registrations.type', '=', 'bulk')
    .executeTakeFirstOrThrow();
  const mails = await db
    .selectFrom('emails')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('template', 'in', ['invitation_password', 'invitation_login_link'])
    .executeTakeFirstOrThrow();
  return { bulk: Number(bulk.n), invitationMails: Number(mails.n) };
}

function readReport(path: string): Record<string, string>[] {
  return parse(readFileSync(path), { columns: true }) as Record<string, string>[];
}

describe('t1 invitations bulk (in-process platform)', () => {
  let file: string;
  let expected: Map<number, Expected>;
  let good: string[];

  beforeAll(async () => {
    const already = await registeredEmails(5);
    expect(already.length).toBeGreaterThan(0);
    const lines = ['E-mail address;First Name;Surname;Organisation;Job title;Country'];
    expected = new Map();
    good = [];
    const add = (cells: string[], want: Expected) => {
      lines.push(cells.join(';'));
      expected.set(lines.length, want);
    };
    let bad = 0;
    let alreadyUsed = 0;
    for (let i = 0; lines.length <= ROWS; i++) {
      // A bad row of each kind every 1,000 rows or so.
      const kind = i % 997 === 500 ? bad++ % 5 : -1;
      if (kind === 0) add([`not-an-address-${i}`, 'Bad', 'Address', '', '', ''], { outcome: 'failed', code: 'invalid_email' });
      else if (kind === 1) add([`someone${i}@gmail.com`, 'Public', 'Domain', '', '', ''], { outcome: 'failed', code: 'public_domain' });
      else if (kind === 2 && good.length > 0) add([good[Math.floor(good.length / 2)]!.toUpperCase(), 'Again', 'Twice', '', '', ''], { outcome: 'skipped', code: 'duplicate_in_file' });
      else if (kind === 3 && alreadyUsed < already.length) add([already[alreadyUsed++]!, 'Already', 'Registered', '', '', ''], { outcome: 'skipped', code: 'already_registered' });
      else if (kind === 4) add([`noname${i}@fabrikam.example`, '', 'Nameless', '', '', ''], { outcome: 'failed', code: 'missing_name' });
      else {
        const email = `person${i}@bulk${i % 7}.example`;
        good.push(email);
        add([email, `First${i}`, `Last${i}`, i % 3 === 0 ? '"Contoso; Ltd"' : 'Contoso', 'Engineer', 'France'], { outcome: 'invited', code: '' });
      }
    }
    file = join(dir, 'people.csv');
    writeFileSync(file, `\ufeff${lines.join('\r\n')}\r\n`);
    expect(expected.size).toBe(ROWS);
  });

  it('--dry-run checks every row, writes the report, and changes nothing', { timeout: 120_000 }, async () => {
    const before = await counts();
    const report = join(dir, 'dry.csv');
    const result = await world.t1(['invitations', 'bulk', file, '--event', EVENT, '--dry-run', '--report', report]);
    expect(result.exitCode, result.stderr).toBe(5);
    expect(result.stderr).toMatch(/Dry run, nothing changed/);
    expect(await counts()).toEqual(before);
    const rows = readReport(report);
    expect(rows).toHaveLength(ROWS);
    for (const row of rows) expect({ outcome: row.outcome, code: row.code }, `row ${row.row}`).toEqual(expected.get(Number(row.row)));
  });

  it('invites every good row once, reports every other row with its reason, and exits 5', { timeout: 180_000 }, async () => {
    const before = await counts();
    const report = join(dir, 'first.csv');
    const result = await world.t1(['invitations', 'bulk', file, '--event', EVENT, '--report', report, '--yes', '--reason', 'bulk test', '--ticket', 'SUP-9']);
    expect(result.exitCode, result.stderr).toBe(5);
    const rows = readReport(report);
    expect(rows).toHaveLength(ROWS);
    expect(Object.keys(rows[0]!)).toEqual(['row', 'email', 'outcome', 'reason', 'code']);
    for (const row of rows) expect({ outcome: row.outcome, code: row.code }, `row ${row.row}`).toEqual(expected.get(Number(row.row)));
    const failed = rows.find((row) => row.code === 'public_domain')!;
    expect(failed.reason).toBe('a public email provider the event refuses');
    const after = await counts();
    expect(after.bulk - before.bulk).toBe(good.length);
    expect(after.invitationMails - before.invitationMails).toBe(good.length);
    // The summary on stderr names the counts; the report has the same as the dry run's.
    expect(result.stderr).toContain(`${good.length.toLocaleString('en-US')} invited`);
    expect(readFileSync(report, 'utf8')).toBe(readFileSync(join(dir, 'dry.csv'), 'utf8'));
    // One audit entry for the run: the platform's counts and those of the rows t1 refused
    // before sending add up to the report's.
    const audits = await world.platform.platform.ctx.db.selectFrom('audit_log').select(['detail', 'reason', 'ticket']).where('action', '=', 'invitation.bulk').where('reason', '=', 'bulk test').execute();
    expect(audits).toHaveLength(1);
    const tally = { invited: 0, skipped: 0, failed: 0 };
    for (const row of rows) tally[row.outcome as keyof typeof tally]++;
    const detail = JSON.parse(audits[0]!.detail!);
    expect(detail).toMatchObject({ file: 'people.csv', dryRun: false, invited: tally.invited });
    expect(detail.notSentFailed).toBeGreaterThan(0);
    expect({ skipped: detail.skipped + detail.notSentSkipped, failed: detail.failed + detail.notSentFailed }).toEqual({ skipped: tally.skipped, failed: tally.failed });
    expect(audits[0]).toMatchObject({ reason: 'bulk test', ticket: 'SUP-9' });
  });

  it('the same file again invites no one and reports every good row skipped', { timeout: 180_000 }, async () => {
    const before = await counts();
    const report = join(dir, 'second.csv');
    const result = await world.t1(['invitations', 'bulk', file, '--event', EVENT, '--report', report, '--yes']);
    expect(result.exitCode, result.stderr).toBe(5);
    expect(await counts()).toEqual(before);
    const rows = readReport(report);
    expect(rows).toHaveLength(ROWS);
    for (const row of rows) {
      const want = expected.get(Number(row.row))!;
      if (want.outcome === 'invited') expect({ outcome: row.outcome, code: row.code }).toEqual({ outcome: 'skipped', code: 'already_invited' });
      else expect({ outcome: row.outcome, code: row.code }).toEqual(want);
    }
  });

  it('--resume of a finished run rebuilds the report from the journal without sending', { timeout: 120_000 }, async () => {
    const before = await counts();
    const report = join(dir, 'resumed.csv');
    const result = await world.t1(['invitations', 'bulk', file, '--event', EVENT, '--report', report, '--resume', '--yes']);
    expect(result.exitCode, result.stderr).toBe(5);
    expect(result.stderr).toMatch(/Resuming run/);
    expect(await counts()).toEqual(before);
    expect(readFileSync(report, 'utf8')).toBe(readFileSync(join(dir, 'second.csv'), 'utf8'));
  });

  it('a clean file exits 0; --json prints the counts; confirmation is required off a terminal', async () => {
    const clean = join(dir, 'clean.csv');
    writeFileSync(clean, 'email,first_name,last_name,role\nclean.one@tailspin.example,Clean,One,speaker\nclean.two@tailspin.example,Clean,Two,\n');
    const refused = await world.t1(['invitations', 'bulk', clean, '--event', EVENT]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    const declined = confirming(false);
    const cancelled = await world.t1(['invitations', 'bulk', clean, '--event', EVENT], { tty: true, prompter: declined });
    expect(cancelled.exitCode).toBe(130);
    expect(declined.asked).toEqual([`Invite up to 2 people from clean.csv to ${EVENT}?`]);
    const result = await world.t1(['--json', 'invitations', 'bulk', clean, '--event', EVENT, '--yes', '--role', 'moderator']);
    expect(result.exitCode, result.stderr).toBe(0);
    const view = JSON.parse(result.stdout);
    expect(view).toMatchObject({ rows: 2, invited: 2, skipped: 0, failed: 0, dryRun: false, event: EVENT, report: join(dir, 'clean.report.csv') });
    const roles = await world.platform.platform.ctx.db
      .selectFrom('registrations')
      .innerJoin('users', 'users.id', 'registrations.user_id')
      .select(['users.email', 'registrations.role'])
      .where('users.email', 'in', ['clean.one@tailspin.example', 'clean.two@tailspin.example'])
      .orderBy('users.email')
      .execute();
    expect(roles).toEqual([
      { email: 'clean.one@tailspin.example', role: 'speaker' },
      { email: 'clean.two@tailspin.example', role: 'moderator' },
    ]);
  });

  it('reads standard input and writes the report to stdout with --report -', async () => {
    const result = await runT1(['invitations', 'bulk', '-', '--event', EVENT, '--yes', '--report', '-'], {
      env: world.platform.env('agent'),
      stdin: 'Email\tFirst name\tLast name\nstdin.person@tailspin.example\tStd\tIn\n',
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('row,email,outcome,reason,code\n2,stdin.person@tailspin.example,invited,,\n');
  });

  it('prints the control characters of a refused address as escapes, not to the terminal', async () => {
    const result = await runT1(['invitations', 'bulk', '-', '--event', EVENT, '--dry-run', '--report', '-'], {
      env: world.platform.env('agent'),
      stdin: 'email,first_name,last_name\n"clear\u001b[2J\u001b]0;title\u0007@tailspin.example",Esc,Ape\n',
    });
    expect(result.exitCode, result.stderr).toBe(5);
    expect(result.stdout).toBe('row,email,outcome,reason,code\n2,clear\\u001b[2J\\u001b]0;title\\u0007@tailspin.example,failed,not a valid email address,invalid_email\n');
  });

  it('bad files exit 2, naming the problem, and invite no one', async () => {
    const before = await counts();
    const lines = ['email,first_name,last_name'];
    for (let i = 0; i < 5_000; i++) lines.push(`late${i}@tailspin.example,Late,Person${i}`);
    const cases: [string, Buffer, RegExp][] = [
      ['binary.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 1, 2]), /not a CSV file: it looks like an Excel workbook/],
      ['no-email.csv', Buffer.from('name,phone\nAda,555\n'), /has no email, no first name, no last name column/],
      ['late-utf8.csv', Buffer.concat([Buffer.from(lines.join('\n') + '\n'), Buffer.from([0x52, 0xe9, 0x6e, 0x65, 0x2c, 0x41, 0x2c, 0x42, 0x0a])]), /line 5002 is not valid UTF-8/],
      ['long-line.csv', Buffer.from(lines.join('\n') + `\nx@tailspin.example,${'y'.repeat(1_100_000)},Z\n`), /line 5002 is longer than 1 MB/],
      ['open-quote.csv', Buffer.from(lines.join('\n') + '\n"unclosed@tailspin.example,A,B\n'), /quote is opened and never closed/],
    ];
    for (const [name, content, message] of cases) {
      const path = join(dir, name);
      writeFileSync(path, content);
      const result = await world.t1(['invitations', 'bulk', path, '--event', EVENT, '--yes']);
      expect(result.exitCode, `${name}: ${result.stderr}`).toBe(2);
      expect(result.stderr, name).toMatch(message);
    }
    expect(await counts()).toEqual(before);
  });
});

describe('stopping and resuming (in-process platform)', () => {
  const people = (prefix: string, n: number) => {
    const lines = ['email,first_name,last_name'];
    for (let i = 0; i < n; i++) lines.push(`${prefix}${i}@stop${i % 3}.example,First${i},Last${i}`);
    return `${lines.join('\n')}\n`;
  };

  async function invitedCount(prefix: string): Promise<number> {
    const row = await world.platform.platform.ctx.db
      .selectFrom('registrations')
      .innerJoin('users', 'users.id', 'registrations.user_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('users.email', 'like', `${prefix}%`)
      .where('registrations.type', '=', 'bulk')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('Ctrl-C stops after the batches in flight and says how to resume; --resume finishes the run', { timeout: 60_000 }, async () => {
    const file = join(dir, 'stop.csv');
    writeFileSync(file, people('stop.person', 3_000));
    const report = join(dir, 'stop.report.csv');
    const args = ['invitations', 'bulk', file, '--event', EVENT, '--batch', '100', '--report', report, '--yes'];
    let stop: (signal: string) => void = () => {};
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    // "Ctrl-C" once the platform has committed the first batches.
    const watcher = (async () => {
      while ((await invitedCount('stop.person')) < 300) await new Promise((done) => setTimeout(done, 5));
      stop('SIGINT');
    })();
    const first = await runT1(args, { env: world.platform.env('agent'), overrides: { untilStopped: () => stopped } });
    await watcher;
    expect(first.exitCode, first.stderr).toBe(130);
    expect(first.stderr).toMatch(/Stopped \(SIGINT\) after the batches in flight\. Continue with: t1 invitations bulk \S+stop\.csv --event product-summit-2027 --resume --report \S+/);
    const partial = readReport(report);
    const invitedFirst = await invitedCount('stop.person');
    expect(invitedFirst).toBeLessThan(3_000);
    expect(partial).toHaveLength(invitedFirst);

    const second = await world.t1([...args, '--resume']);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(await invitedCount('stop.person')).toBe(3_000);
    const rows = readReport(report);
    expect(rows).toHaveLength(3_000);
    expect(rows.every((row) => row.outcome === 'invited')).toBe(true);
    expect(rows.map((row) => Number(row.row))).toEqual(Array.from({ length: 3_000 }, (_, i) => i + 2));
  });

  it('batches the platform committed but the journal lost are sent again with their keys and answer as the first time', { timeout: 60_000 }, async () => {
    const file = join(dir, 'lost.csv');
    writeFileSync(file, people('lost.person', 1_000));
    const report = join(dir, 'lost.report.csv');
    const args = ['invitations', 'bulk', file, '--event', EVENT, '--batch', '100', '--report', report, '--yes'];
    const first = await world.t1(args);
    expect(first.exitCode, first.stderr).toBe(0);
    const original = readFileSync(report, 'utf8');
    // A crash between the platform's commit and the journal's write, eight times over.
    const journals = join(world.platform.env('agent').T1_HOME!, 'data', 'bulk-runs');
    const mine = readdirSync(journals)
      .map((name) => join(journals, name))
      .find((path) => readFileSync(path, 'utf8').includes('"file":"lost.csv"'))!;
    const lines = readFileSync(mine, 'utf8').split('\n');
    writeFileSync(mine, `${lines.slice(0, 3).join('\n')}\n${lines[3]!.slice(0, 20)}`);
    const mails = await world.platform.platform.ctx.db.selectFrom('emails').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();

    const resumed = await world.t1([...args, '--resume']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/10 batches; the platform committed 10, t1 has the outcomes of 2/);
    expect(readFileSync(report, 'utf8')).toBe(original);
    expect(await invitedCount('lost.person')).toBe(1_000);
    const after = await world.platform.platform.ctx.db.selectFrom('emails').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(mails.n));
  });

  it('shows a progress bar on a terminal, nothing of it elsewhere', { timeout: 60_000 }, async () => {
    const file = join(dir, 'progress.csv');
    writeFileSync(file, people('progress.person', 2_000));
    const tty = await world.t1(['invitations', 'bulk', file, '--event', EVENT, '--batch', '50', '--dry-run', '--report', join(dir, 'p1.csv')], { tty: true });
    expect(tty.exitCode, tty.stderr).toBe(0);
    expect(tty.stderr).toMatch(/Checking \[#*-*\] [\d,]+\/2,000 rows \d+%  [\d,]+ rows\/s  ETA /);
    const plain = await world.t1(['invitations', 'bulk', file, '--event', EVENT, '--batch', '50', '--dry-run', '--report', join(dir, 'p2.csv')]);
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.stderr).not.toMatch(/rows\/s|\r/);
    expect(plain.stderr).toMatch(/^Dry run, nothing changed\. 2,000 rows: 2,000 would be invited, 0 skipped, 0 failed/);
  });
});
