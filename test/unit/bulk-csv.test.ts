// Reading bulk-invitation CSV files: dialects, the BOM, quoted newlines, header names
// matched loosely and by --map, the row checks, the batches, and the files t1 refuses
// (binary, invalid UTF-8, an over-long line, no email column) with exit 2.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ByteChecker,
  MAX_LINE_BYTES,
  UnusableFileError,
  detectDelimiter,
  fieldNamed,
  mapColumns,
  parseMapFlags,
  readHead,
  readRecords,
  type CsvRecord,
} from '../../src/cli/bulk/csv-rows.ts';
import { Batcher, HashSet64, RowChecker, type Checked } from '../../src/cli/bulk/rows.ts';
import { checkEmailAddress } from '../../src/contract/email-address.ts';
import { progressLine } from '../../src/cli/bulk/progress.ts';
import { reasonWords, safeCell } from '../../src/cli/bulk/report.ts';
import { CliError } from '../../src/cli/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 't1-bulk-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

function file(content: string | Buffer): string {
  const path = join(dir, `f${counter++}.csv`);
  writeFileSync(path, content);
  return path;
}

async function read(content: string | Buffer, maps: string[] = []): Promise<{ headers: string[]; records: CsvRecord[]; checked: Checked[]; digest: string }> {
  const path = file(content);
  const head = readHead(path, 'people.csv');
  let headers: string[] = [];
  const records: CsvRecord[] = [];
  const checker = new ByteChecker('people.csv');
  for await (const chunk of readRecords({ path, label: 'people.csv', head, onHeader: (h) => (headers = h) }, checker)) records.push(...chunk);
  const rows = new RowChecker(mapColumns(headers, parseMapFlags(maps), 'people.csv'));
  return { headers, records, checked: records.map((r) => rows.check(r)), digest: checker.digest! };
}

async function refusal(content: string | Buffer, maps: string[] = []): Promise<CliError> {
  try {
    await read(content, maps);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    return error as CliError;
  }
  throw new Error('expected the file to be refused');
}

const sent = (checked: Checked[]) => checked.filter((c) => c.kind === 'send').map((c) => (c.kind === 'send' ? c.row : null));

describe('dialects', () => {
  it('detects comma, semicolon and tab from the header line', () => {
    expect(detectDelimiter('email,first_name,last_name')).toBe(',');
    expect(detectDelimiter('Email;Vorname;Nachname')).toBe(';');
    expect(detectDelimiter('email\tfirst\tlast')).toBe('\t');
    expect(detectDelimiter('"a;b",c,d')).toBe(',');
    expect(detectDelimiter('email')).toBe(',');
  });

  for (const [name, delimiter] of [
    ['comma', ','],
    ['semicolon', ';'],
    ['tab', '\t'],
  ] as const) {
    it(`reads a ${name}-separated file`, async () => {
      const content = ['Email', 'First Name', 'Last Name', 'Company'].join(delimiter) + '\n' + ['ada@contoso.example', 'Ada', 'Lovelace', 'Analytical, Ltd'].map((v) => (v.includes(delimiter) ? `"${v}"` : v)).join(delimiter) + '\n';
      const { checked } = await read(content);
      expect(sent(checked)).toEqual([{ row: 2, email: 'ada@contoso.example', firstName: 'Ada', lastName: 'Lovelace', company: 'Analytical, Ltd' }]);
    });
  }

  it('skips a UTF-8 BOM and reads CRLF line ends', async () => {
    const { headers, checked } = await read('\ufeffemail,first_name,last_name\r\nzoe@contoso.example,Zoë,Ångström\r\n');
    expect(headers[0]).toBe('email');
    expect(sent(checked)[0]).toMatchObject({ firstName: 'Zoë', lastName: 'Ångström' });
  });

  it('keeps quoted fields with newlines, delimiters and doubled quotes, and numbers rows by the line they start on', async () => {
    const { records, checked } = await read(
      'email,first_name,last_name,company\n' +
        'a@contoso.example,A,One,"Line one\nline two"\n' +
        '\n' +
        'b@contoso.example,B,"The ""Second""",Contoso\n' +
        ',,,\n' +
        'c@contoso.example,C,Three,\n',
    );
    expect(records.map((r) => r.line)).toEqual([2, 5, 7]);
    expect(records[0]!.fields[3]).toBe('Line one\nline two');
    expect(records[1]!.fields[2]).toBe('The "Second"');
    // A newline inside a company name is not allowed in a person's details.
    expect(checked[0]).toMatchObject({ kind: 'reject', row: 2, reason: 'field_not_allowed' });
    expect(checked[1]).toMatchObject({ kind: 'send', row: { row: 5, lastName: 'The "Second"' } });
  });

  it('hashes the bytes of the file (the run is named after it)', async () => {
    const a = await read('email,first,last\nx@contoso.example,X,Y\n');
    const b = await read('email,first,last\nx@contoso.example,X,Y\n');
    const c = await read('email,first,last\nx@contoso.example,X,Z\n');
    expect(a.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(a.digest).toBe(b.digest);
    expect(a.digest).not.toBe(c.digest);
  });
});

describe('header names', () => {
  it('matches the usual spellings loosely', () => {
    const cases: [string, string | undefined][] = [
      ['Email', 'email'],
      ['E-mail address', 'email'],
      ['EMAIL_ADDRESS', 'email'],
      ['First Name', 'firstName'],
      ['first_name', 'firstName'],
      ['firstName', 'firstName'],
      ['Given name', 'firstName'],
      ['Last name', 'lastName'],
      ['Surname', 'lastName'],
      ['Company', 'company'],
      ['Organisation', 'company'],
      ['Organization', 'company'],
      ['Job title', 'jobTitle'],
      ['Country', 'country'],
      ['Role', 'role'],
      ['Phone', undefined],
    ];
    for (const [header, field] of cases) expect(fieldNamed(header), header).toBe(field);
  });

  it('maps a header row, taking "contains" matches when no exact name fits', () => {
    const map = mapColumns(['Phone', 'Work E-mail (primary)', 'Given name', 'Family name', 'Employer', 'Position', 'Country/Region'], [], 'f.csv');
    expect(map.index).toEqual({ email: 1, firstName: 2, lastName: 3, company: 4, jobTitle: 5, country: 6 });
  });

  it('--map names the columns t1 cannot guess', async () => {
    const { checked } = await read('Mail pro;Prénom usuel;Nom de famille;Rôle\nmarie@contoso.example;Marie;Curie;Speaker\n', ['Mail pro=email', 'prénom usuel=first-name', 'Nom de famille=last_name']);
    expect(sent(checked)).toEqual([{ row: 2, email: 'marie@contoso.example', firstName: 'Marie', lastName: 'Curie', role: 'speaker' }]);
  });

  it('--map refuses an unknown field or column as a usage error', async () => {
    expect(() => parseMapFlags(['Mail']))?.toThrow(/column=field/);
    expect(() => parseMapFlags(['Mail=phone'])).toThrow(/not a field/);
    const error = await refusal('a,b,c\nx@contoso.example,X,Y\n', ['Mail=email']);
    expect(error.message).toMatch(/no column "Mail"/);
    expect(error.hint).toContain('"a", "b", "c"');
  });

  it('a file without an email (or name) column is refused, naming its columns', async () => {
    const error = await refusal('Name,Phone\nAda Lovelace,555\n');
    expect(error).toBeInstanceOf(UnusableFileError);
    expect(error.message).toMatch(/no email, no first name, no last name column/);
    expect(error.message).toContain('"Name", "Phone"');
    expect(error.hint).toMatch(/--map/);
    const noHeader = await refusal('ada@contoso.example,Ada,Lovelace\n');
    expect(noHeader.hint).toMatch(/looks like data/);
  });
});

describe('row checks', () => {
  it('reads addresses by the platform\'s rule: ordinary ones pass, malformed and internationalised ones do not', () => {
    const isValid = (email: string) => checkEmailAddress(email).ok;
    for (const good of ['a@b.example', 'first.last+tag@sub.contoso.example', 'o\'brien@contoso.example', 'jorg@xn--mller-kva.example']) expect(isValid(good), good).toBe(true);
    for (const bad of ['', 'plain', '@contoso.example', 'a@', 'a@b', 'a b@contoso.example', 'a@@contoso.example', '.a@contoso.example', 'a..b@contoso.example', 'a@-x.example', 'a@contoso.example.', 'a@contoso.123', 'jörg@müller.example']) expect(isValid(bad), bad).toBe(false);
  });

  it('gives each refused row its reason; the later of two equal addresses is a duplicate', async () => {
    const long = 'x'.repeat(201);
    const { checked } = await read(
      [
        'email,first_name,last_name,company,role',
        'good@contoso.example,Good,Row,,',
        'not-an-address,Bad,Address,,',
        'noname@contoso.example,,Person,,',
        `long@contoso.example,Long,Name,${long},`,
        'ctrl@contoso.example,Ctrl,"Char\u0007",,',
        'bidi@contoso.example,Bidi,"\u202eevil",,',
        'role@contoso.example,Role,Bad,,janitor',
        ' GOOD@Contoso.Example ,Good,Again,,',
        'speaker@contoso.example,Spea,Ker,,Speaker',
      ].join('\n') + '\n',
    );
    expect(checked.map((c) => (c.kind === 'send' ? `send ${c.row.row}` : `${c.outcome} ${c.row} ${c.reason}`))).toEqual([
      'send 2',
      'failed 3 invalid_email',
      'failed 4 missing_name',
      'failed 5 field_too_long',
      'failed 6 field_not_allowed',
      'failed 7 field_not_allowed',
      'failed 8 bad_role',
      'skipped 9 duplicate_in_file',
      'send 10',
    ]);
    expect(sent(checked)[1]).toMatchObject({ role: 'speaker' });
  });

  it('reports a refused address as typed, keeping what got it refused; only spaces around it go', async () => {
    const { checked } = await read('email,first_name,last_name\n\ufeffbom@contoso.example,A,B\n"tab@contoso.example\t",A,B\n  spaced@@contoso.example  ,A,B\n');
    expect(checked.map((c) => (c.kind === 'reject' ? c.email : c.kind))).toEqual(['\ufeffbom@contoso.example', 'tab@contoso.example\t', 'spaced@@contoso.example']);
  });

  it('keeps addresses as 64-bit hashes in a growing typed-array set', () => {
    const set = new HashSet64(4);
    for (let i = 1; i <= 10_000; i++) expect(set.add(i * 7919, i)).toBe(true);
    for (let i = 1; i <= 10_000; i++) expect(set.add(i * 7919, i)).toBe(false);
    expect(set.add(0, 0)).toBe(true);
    expect(set.size).toBe(10_001);
  });
});

describe('batches', () => {
  const send = (row: number): Checked => ({ kind: 'send', row: { row, email: `p${row}@contoso.example`, firstName: 'P', lastName: 'Q' } });
  const reject = (row: number): Checked => ({ kind: 'reject', row, email: 'x', outcome: 'failed', reason: 'invalid_email' });

  it('cuts batches of the given size, keeps refused rows in file order, and closes a batch spanning 2 x size lines', () => {
    const batcher = new Batcher(3);
    const items = [reject(1), send(2), reject(3), send(4), send(5), reject(6), send(7), ...Array.from({ length: 6 }, (_, i) => reject(8 + i)), send(14)];
    const planned = [...items.map((item) => batcher.push(item)), batcher.end()].filter((p) => p !== undefined);
    expect(planned.map((p) => (p.kind === 'reject' ? `r${p.item.row}` : `b${p.index}:${p.items.map((i) => (i.kind === 'send' ? i.row.row : `r${i.row}`)).join(',')}`))).toEqual([
      'r1',
      'b0:2,r3,4,5',
      'r6',
      'b1:7,r8,r9,r10,r11,r12',
      'r13',
      'b2:14',
    ]);
    expect(batcher.batches).toBe(3);
  });
});

describe('files t1 refuses (exit 2, before anything is sent)', () => {
  it('an Excel workbook, a PDF, UTF-16 and NUL bytes', async () => {
    expect((await refusal(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]))).message).toMatch(/Excel workbook/);
    expect((await refusal(Buffer.from('%PDF-1.7\n'))).message).toMatch(/PDF/);
    expect((await refusal(Buffer.from('\ufeffemail', 'utf16le'))).message).toMatch(/UTF-16/);
    const nul = await refusal(Buffer.concat([Buffer.from('email,first,last\na@contoso.example,A,B\nb@contoso.example,'), Buffer.from([0]), Buffer.from(',C\n')]));
    expect(nul.message).toMatch(/line 3 holds a NUL byte/);
  });

  it('invalid UTF-8, naming the line, even far into the file', async () => {
    const lines = ['email,first,last'];
    for (let i = 0; i < 50_000; i++) lines.push(`p${i}@contoso.example,P,Q`);
    const good = Buffer.from(lines.join('\n') + '\n');
    const bad = Buffer.concat([good, Buffer.from('late@contoso.example,L,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    const error = await refusal(bad);
    expect(error.message).toBe('people.csv: line 50002 is not valid UTF-8.');
    expect(error.hint).toMatch(/UTF-8/);
    expect((await refusal(Buffer.from([...Buffer.from('email,first,last\na@contoso.example,A,B'), 0xe2, 0x82]))).message).toMatch(/ends inside a character/);
    // Latin-1 "é" as a single byte: the usual non-UTF-8 export.
    expect((await refusal(Buffer.from([...Buffer.from('email,first,last\nrene@contoso.example,Ren'), 0xe9, ...Buffer.from(',Roy\n')]))).message).toMatch(/line 2 is not valid UTF-8/);
  });

  it('a line over 1 MB', async () => {
    const error = await refusal(`email,first,last\na@contoso.example,A,B\nb@contoso.example,${'x'.repeat(MAX_LINE_BYTES + 10)},C\n`);
    expect(error.message).toBe('people.csv: line 3 is longer than 1 MB.');
    expect((await refusal(`${'x'.repeat(MAX_LINE_BYTES + 10)}\n`)).message).toMatch(/line 1 is longer than 1 MB/);
  });

  it('an empty file and a quote never closed', async () => {
    expect((await refusal('')).message).toBe('people.csv is empty.');
    expect((await refusal('\ufeff\n\n')).message).toBe('people.csv is empty.');
    expect((await refusal('email,first,last\na@contoso.example,"A,B\nb@contoso.example,B,C\n')).message).toMatch(/quote is opened and never closed/);
  });
});

describe('report and progress', () => {
  it('says reasons in words and defuses formula cells', () => {
    expect(reasonWords('public_domain')).toBe('a public email provider the event refuses');
    expect(reasonWords('something_new')).toBe('something new');
    expect(reasonWords(null)).toBe('');
    expect(safeCell('=HYPERLINK("x")')).toBe('\'=HYPERLINK("x")');
    expect(safeCell('ada@contoso.example')).toBe('ada@contoso.example');
  });

  it('writes control and invisible characters of a cell as escapes, so printing the report acts on no terminal', () => {
    expect(safeCell('evil\u001b[2J\u001b]0;title\u0007@x.example')).toBe('evil\\u001b[2J\\u001b]0;title\\u0007@x.example');
    expect(safeCell('ada@contoso.example\u202e')).toBe('ada@contoso.example\\u202e');
    // A tab or a line break first still defuses the formula.
    expect(safeCell('\t=1+1')).toBe("'\t=1+1");
    expect(safeCell('\r=1+1')).toBe("'\\u000d=1+1");
    expect(safeCell('\r\n=1+1')).toBe("'\n=1+1");
    expect(safeCell('+33 1 23')).toBe("'+33 1 23");
  });

  it('shows rows done of the total, the rate and the time left', () => {
    expect(progressLine(5_000, 20_000, 2_000, 'Inviting')).toBe('Inviting [######------------------] 5,000/20,000 rows 25%  2,500 rows/s  ETA 6s');
  });
});
