// What reaches the terminal: outside text with every control, bidirectional and invisible
// character shown as an escape, t1's own colours intact, JSON still JSON.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonText, terminalText } from '../../src/client/sanitize.ts';
import { Output } from '../../src/cli/render/output.ts';
import { Styler } from '../../src/cli/render/style.ts';
import { wantsJson, withFieldLists } from '../../src/cli/render/output-flags.ts';

// Anything a terminal would act on: C0 but tab and newline, DEL, C1 (ESC and CSI included).
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('terminal text', () => {
  it('shows controls and escape sequences as escapes', () => {
    expect(terminalText('a\u001b[2Jb')).toBe('a\\u001b[2Jb');
    expect(terminalText('\u001b]8;;https://evil.example\u0007here\u001b]8;;\u0007')).toBe('\\u001b]8;;https://evil.example\\u0007here\\u001b]8;;\\u0007');
    expect(terminalText('\u001b]52;c;ZXZpbA==\u0007')).toBe('\\u001b]52;c;ZXZpbA==\\u0007');
    expect(terminalText('bell\u0007 nul\u0000 del\u007f csi\u009b31m')).toBe('bell\\u0007 nul\\u0000 del\\u007f csi\\u009b31m');
    expect(terminalText('over\rwritten')).toBe('over\\u000dwritten');
  });

  it('shows bidirectional and invisible characters as escapes', () => {
    expect(terminalText('evil\u202etxt.exe')).toBe('evil\\u202etxt.exe');
    for (const char of ['\u202a', '\u202d', '\u2066', '\u2069', '\u200e', '\u200f', '\u061c', '\u200b', '\u200c', '\u2060', '\u2064', '\ufeff', '\u00ad', '\u2028', '\u3164']) {
      expect(terminalText(`a${char}b`)).toBe(`a\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}b`);
    }
    // A tag character, beyond the BMP, as JSON's surrogate pair.
    expect(terminalText('x\u{E0041}')).toBe('x\\udb40\\udc41');
  });

  it('keeps tabs, newlines, CJK and emoji with their joiners and variation selectors', () => {
    const kept = '佐藤 ユキ\tline\n👨‍👩‍👧 ❤️ 👍🏽 1️⃣';
    expect(terminalText(kept)).toBe(kept);
    expect(terminalText('a\r\nb')).toBe('a\nb');
    // A joiner between letters is not part of an emoji.
    expect(terminalText('a\u200db')).toBe('a\\u200db');
  });

  it('writes JSON that parses back to the same text, with nothing raw in it', () => {
    const value = { name: 'Eve\u001b[2J\u009b\u202e\u200b\u{E0041}👨‍👩‍👧', lines: 'a\r\nb\tc' };
    const text = jsonText(value);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).not.toMatch(/[\u202e\u200b]/);
  });
});

describe("t1's own colours", () => {
  it('survive the gate, while colours in outside text are shown as escapes', () => {
    const styler = new Styler(true, 'fixedtoken');
    const out = styler.finish(`${styler.style.red('failed')} for Eve\u001b[31m`);
    expect(out).toBe('\u001b[31mfailed\u001b[39m for Eve\\u001b[31m');
  });

  it('cannot be forged by text that imitates their marks', () => {
    const styler = new Styler(true);
    const forged = styler.finish('\uFDD0deadbeef[31mred?');
    expect(forged).not.toMatch(RAW_CONTROL);
    // Text styled by t1 is escaped inside the style too.
    expect(styler.finish(styler.style.bold('x\u001b[8m'))).toBe('\u001b[1mx\\u001b[8m\u001b[22m');
  });

  it('are the only escape codes a coloured Output writes, whatever the text holds', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const written: string[] = [];
    for (const stream of [stdout, stderr]) stream.on('data', (chunk: Buffer) => written.push(chunk.toString()));
    const io = { stdin: new PassThrough(), stdout, stderr, stdinIsTTY: true, stdoutIsTTY: true, stderrIsTTY: true, stdoutColumns: 60 };
    const out = new Output(io, { json: false, color: true, verbose: false, interactive: false });
    const hostile = 'Eve\u001b[2J\u001b]52;c;eA==\u0007\u009b8m\u202e';
    out.notice(`${out.style.red('! failed')} for ${hostile}`);
    out.record([['Name', hostile], ['Sign-in', out.style.red(`LOCKED ${hostile}`)]]);
    await out.table(['Name', 'Company'], [[hostile, `Evil ${hostile}`]]);
    out.hint(hostile);
    const text = written.join('');
    expect(text.replace(/\u001b\[(1|2|22|31|39)m/g, '')).not.toMatch(RAW_CONTROL);
    expect(text).toContain('\u001b[31m! failed\u001b[39m');
    expect(text).toContain('Eve\\u001b[2J\\u001b]52;c;eA==\\u0007\\u009b8m\\u202e');
  });

  it('are plain text without colour', () => {
    const styler = new Styler(false);
    expect(styler.finish(styler.style.red('failed\u202e'))).toBe('failed\\u202e');
  });
});

describe('field lists on the command line', () => {
  interface Tree {
    name(): string;
    aliases(): string[];
    commands: Tree[];
  }
  const tree = (name: string, ...commands: Tree[]): Tree => ({
    name: () => name,
    aliases: () => [],
    commands,
  });
  const root = tree('t1', tree('users', tree('find'), tree('show')), tree('status'), tree('mail', tree('log')));

  it('reads a word after --json as fields unless it is the next command', () => {
    expect(withFieldLists(['users', 'find', 'priya', '--json', 'email,fullName'], root)).toEqual(['users', 'find', 'priya', '--json=email,fullName']);
    expect(withFieldLists(['--json', 'status', 'x@y.example'], root)).toEqual(['--json=', 'status', 'x@y.example']);
    expect(withFieldLists(['mail', '--json', 'log', 'x@y.example'], root)).toEqual(['mail', '--json=', 'log', 'x@y.example']);
    // After the command, "status" is a field of its result.
    expect(withFieldLists(['status', 'x@y.example', '--json', 'status'], root)).toEqual(['status', 'x@y.example', '--json=status']);
    expect(withFieldLists(['users', 'find', 'priya', '--json'], root)).toEqual(['users', 'find', 'priya', '--json=']);
    expect(withFieldLists(['users', 'find', 'priya', '--csv', 'email, fullName'], root)).toEqual(['users', 'find', 'priya', '--csv=email, fullName']);
    expect(withFieldLists(['users', 'find', '--json', '--limit', '5', 'x'], root)).toEqual(['users', 'find', '--json=', '--limit', '5', 'x']);
    expect(withFieldLists(['users', 'find', '--', '--json', 'x'], root)).toEqual(['users', 'find', '--', '--json', 'x']);
  });

  it('tells when JSON is asked for', () => {
    expect(wantsJson(['users', 'find', 'x', '--json'])).toBe(true);
    expect(wantsJson(['--jq', '.[]', 'users', 'find', 'x'])).toBe(true);
    expect(wantsJson(['users', 'find', '--json=email'])).toBe(true);
    expect(wantsJson(['users', 'find', '--jsonx'])).toBe(false);
    expect(wantsJson(['users', 'find', '--', '--json'])).toBe(false);
  });
});
