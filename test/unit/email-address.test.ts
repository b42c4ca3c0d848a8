// The one rule for email addresses, and the rule for names and free text, on their own.
import { describe, expect, it } from 'vitest';
import { checkEmailAddress, displayEmail, emailAddressSchema, emailLookupKey, emailLookupSchema, hiddenCharactersOf, normalizeEmail } from '../../src/contract/email-address.ts';
import { isPlainText } from '../../src/contract/plain-text.ts';
import { invitationBodySchema, staffLoginBodySchema } from '../../src/contract/schemas.ts';

/** Each one makes an address look like another while being a different string. */
const HIDDEN_IN_ADDRESSES: [string, string][] = [
  ['ESC', '\u001b'],
  ['BEL', '\u0007'],
  ['NUL', '\u0000'],
  ['tab', '\t'],
  ['newline', '\n'],
  ['DEL', '\u007f'],
  ['C1 next line', '\u0085'],
  ['C1 CSI', '\u009b'],
  ['right-to-left override', '\u202e'],
  ['left-to-right isolate', '\u2066'],
  ['right-to-left mark', '\u200f'],
  ['zero-width space', '\u200b'],
  ['zero-width joiner', '\u200d'],
  ['zero-width non-joiner', '\u200c'],
  ['word joiner', '\u2060'],
  ['byte order mark', '\ufeff'],
  ['soft hyphen', '\u00ad'],
  ['Hangul filler', '\u3164'],
  ['variation selector', '\ufe0f'],
  ['line separator', '\u2028'],
  ['private use', '\ue000'],
  ['tag character', '\u{e0041}'],
];

describe('the email address rule', () => {
  it('keeps an ordinary address as it is', () => {
    expect(checkEmailAddress('priya.sharma@contoso.example')).toEqual({ ok: true, email: 'priya.sharma@contoso.example' });
    expect(checkEmailAddress("o'brien+events@mail.contoso.example")).toEqual({ ok: true, email: "o'brien+events@mail.contoso.example" });
  });

  it('folds lookalike spellings of an address into the address itself', () => {
    const same = [
      'Priya.Sharma@Contoso.EXAMPLE',
      '  priya.sharma@contoso.example  ',
      'priya.sharma\uff20contoso.example',
      '\uff50\uff52\uff49\uff59\uff41.sharma@contoso.example',
      'priya.sharma\ufe6bcontoso.example',
      '\u3000priya.sharma@contoso.example\u00a0',
    ];
    for (const typed of same) expect(checkEmailAddress(typed), JSON.stringify(typed)).toEqual({ ok: true, email: 'priya.sharma@contoso.example' });
  });

  it.each(HIDDEN_IN_ADDRESSES)('refuses an address holding a %s, wherever it is', (_name, char) => {
    for (const typed of [`priya${char}.sharma@contoso.example`, `${char}priya.sharma@contoso.example`, `priya.sharma@contoso.example${char}`, `priya.sharma@con${char}toso.example`]) {
      const checked = checkEmailAddress(typed);
      expect(checked, JSON.stringify(typed)).toMatchObject({ ok: false, problem: 'hidden_characters' });
    }
  });

  it('refuses what is not an address, and says why', () => {
    expect(checkEmailAddress('')).toMatchObject({ ok: false, problem: 'missing', message: 'Enter your email address.' });
    expect(checkEmailAddress('   ')).toMatchObject({ ok: false, problem: 'missing' });
    for (const typed of ['plain', 'a@b', 'a b@contoso.example', 'a@@contoso.example', '.a@contoso.example', 'a..b@contoso.example', 'a@contoso.123', 'jörg@müller.example', 'приya@contoso.example', `${'x'.repeat(65)}@contoso.example`, `a@${'x'.repeat(64)}.example`]) {
      expect(checkEmailAddress(typed), typed).toMatchObject({ ok: false, problem: 'malformed', message: 'Enter a valid email address, such as name@company.com.' });
    }
    expect(checkEmailAddress(`${'a'.repeat(60)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.example`)).toMatchObject({ ok: false, problem: 'too_long' });
  });

  it('accepts an internationalised domain in its ASCII (xn--) form', () => {
    expect(checkEmailAddress('jorg@XN--MLLER-KVA.example')).toEqual({ ok: true, email: 'jorg@xn--mller-kva.example' });
  });

  it('lower-cases the whole address, so people stored before keep being found', () => {
    expect(normalizeEmail(' Priya.Sharma@Contoso.Example ')).toBe('priya.sharma@contoso.example');
  });

  it('gives a refused address a lookup key that no valid address has, one per string and free of controls', () => {
    expect(emailLookupKey(' PRIYA.sharma@contoso.example')).toBe('priya.sharma@contoso.example');
    const key = emailLookupKey('priya\u200b.sharma@contoso.example');
    expect(key).toBe('no such address: priya<u+200b>.sharma@contoso.example');
    expect(checkEmailAddress(key).ok).toBe(false);
    expect(emailLookupKey('priya\u200d.sharma@contoso.example')).not.toBe(key);
    expect(emailLookupKey('nul\u0000@contoso.example')).toBe('no such address: nul<u+0000>@contoso.example');
    expect(emailLookupKey('a..b@contoso.example')).toBe('no such address: a..b@contoso.example');
  });

  it('shows a refused address back with its hidden characters made visible', () => {
    expect(displayEmail('priya\u200b.sharma@Contoso.example')).toBe('priya\ufffd.sharma@contoso.example');
    expect(displayEmail('\u202epriya@contoso.example')).toBe('\ufffdpriya@contoso.example');
    expect(hiddenCharactersOf('pri\u200bya@contoso.example\u0007')).toBe('U+200B at character 4, U+0007 at character 23');
    expect(hiddenCharactersOf('a\u200bb\u200bc\u200bd\u200be@contoso.example', 2)).toBe('U+200B at character 2, U+200B at character 4 and 2 more');
  });
});

describe('the address in the contract', () => {
  it('creation bodies get a field error; the address they keep is normalised', () => {
    const body = { email: ' Ada.Lovelace\uff20Fabrikam.EXAMPLE ', firstName: 'Ada', lastName: 'Lovelace' };
    expect(invitationBodySchema.parse(body).email).toBe('ada.lovelace@fabrikam.example');
    const refused = invitationBodySchema.safeParse({ ...body, email: 'ada\u200d.lovelace@fabrikam.example' });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['email', 'An email address cannot contain control, invisible or text-direction characters.'],
    ]);
    expect(emailAddressSchema.safeParse(42).error?.issues[0]?.message).toBe('must be text');
  });

  it('sign-in bodies take any address and look it up under its key', () => {
    expect(staffLoginBodySchema.parse({ email: 'Morgan.Blake@Northwind.example', password: 'x' }).email).toBe('morgan.blake@northwind.example');
    expect(emailLookupSchema.parse('morgan\u2060.blake@northwind.example')).toBe(emailLookupKey('morgan\u2060.blake@northwind.example'));
  });
});

describe('names and free text', () => {
  it('allow any printable text, accents, scripts and joiners', () => {
    for (const text of ['Zoë Ångström', 'José María', 'محمد', 'O\u2019Brien', '\u0646\u200c\u0627\u0645', '👩\u200d💻 Contoso']) expect(isPlainText(text), text).toBe(true);
  });

  it('refuse controls, DEL, C1, line breaks and text-direction overrides and isolates', () => {
    for (const char of ['\u0000', '\u0007', '\u001b', '\t', '\n', '\r', '\u007f', '\u0085', '\u009b', '\u2028', '\u2029', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069']) {
      expect(isPlainText(`Eve${char}Mallory`), JSON.stringify(char)).toBe(false);
    }
  });

});
