// One rule for email addresses, wherever one enters (registration form, sign-in and
// self-service pages, webhooks, invitations, bulk rows, the API, t1's arguments):
//
// 1. Unicode NFKC, so lookalike forms fold into the characters they stand for (a
//    fullwidth "＠" or "ａ" becomes "@" or "a");
// 2. spaces around it trimmed (only spaces: a tab, newline or BOM is refused, not hidden);
// 3. refused when it holds any control, format (zero-width, bidi, soft hyphen, BOM, word
//    joiner), other default-ignorable, separator, surrogate, private-use or unassigned
//    character;
// 4. the whole address in lower case. The platform has always stored and matched
//    addresses in lower case, local part included, so people stored before keep being
//    found, and "Priya@" and "priya@" can never become two people;
// 5. checked with zod's email format (ASCII letters, digits and . _ ' + - before the @,
//    a domain of ASCII labels; internationalised domains in their xn-- form), at most
//    254 characters, 64 before the @ and 63 per domain label.
//
// Creation paths refuse an address that breaks the rule with a field error; lookups
// (sign-in, self-service pages, agents' references) treat it as an address nobody has.
import { z } from 'zod';

export const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;
const MAX_LABEL_LENGTH = 63;

const HIDDEN = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]/u;
// The pattern z.email() checks, tested directly: the same rule without a parse per address.
const FORMAT = z.regexes.email;

export type EmailAddressProblem = 'missing' | 'hidden_characters' | 'too_long' | 'malformed';

export const EMAIL_ADDRESS_MESSAGES: Record<EmailAddressProblem, string> = {
  missing: 'Enter your email address.',
  hidden_characters: 'An email address cannot contain control, invisible or text-direction characters.',
  too_long: `An email address can be at most ${MAX_EMAIL_LENGTH} characters.`,
  malformed: 'Enter a valid email address, such as name@company.com.',
};

export type CheckedEmailAddress = { ok: true; email: string } | { ok: false; problem: EmailAddressProblem; message: string };

// Printable ASCII is already in NFKC form and holds no hidden character: nearly every
// address skips both steps (a bulk file checks a million of them).
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const EDGE_SPACES = /^ +| +$/g;

/** Steps 1, 2 and 4 of the rule without the checks: NFKC, spaces trimmed, lower case. */
export function normalizeEmail(raw: string): string {
  return normalized(raw, PRINTABLE_ASCII.test(raw));
}

function normalized(raw: string, ascii: boolean): string {
  return (ascii ? raw : raw.normalize('NFKC')).replace(EDGE_SPACES, '').toLowerCase();
}

/** The address as the platform stores and compares it, or why it is refused. */
export function checkEmailAddress(raw: string): CheckedEmailAddress {
  const refuse = (problem: EmailAddressProblem): CheckedEmailAddress => ({ ok: false, problem, message: EMAIL_ADDRESS_MESSAGES[problem] });
  const ascii = PRINTABLE_ASCII.test(raw);
  if (!ascii && HIDDEN.test(raw)) return refuse('hidden_characters');
  const email = normalized(raw, ascii);
  if (!email) return refuse('missing');
  // NFKC never makes a hidden character, but checking its result costs nothing.
  if (!ascii && HIDDEN.test(email)) return refuse('hidden_characters');
  if (email.length > MAX_EMAIL_LENGTH) return refuse('too_long');
  const at = email.lastIndexOf('@');
  const labels = email.slice(at + 1).split('.');
  if (at > MAX_LOCAL_LENGTH || labels.some((label) => label.length > MAX_LABEL_LENGTH) || !FORMAT.test(email)) return refuse('malformed');
  return { ok: true, email };
}

const codePoint = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Where the hidden characters of a refused address are ("U+200B at character 6"), so a
 * refusal can say what is wrong without printing them.
 */
export function hiddenCharactersOf(raw: string, most = 3): string {
  const found: string[] = [];
  let position = 0;
  for (const char of raw) {
    position += 1;
    if (HIDDEN.test(char)) found.push(`${codePoint(char)} at character ${position}`);
  }
  const shown = found.slice(0, most).join(', ');
  return found.length > most ? `${shown} and ${found.length - most} more` : shown;
}

const EVERY_HIDDEN = new RegExp(HIDDEN.source, 'gu');

/** A typed address to show back to the person: normalised, each hidden character shown as U+FFFD (the replacement character). */
export function displayEmail(raw: string): string {
  return normalizeEmail(raw.replace(EVERY_HIDDEN, '\uFFFD'));
}

export function hasHiddenCharacters(raw: string): boolean {
  return HIDDEN.test(raw);
}

// Addresses have never been stored with a space in them (the rule before this one
// refused whitespace too), so a key holding one finds nobody.
const NOBODY = 'no such address: ';

/**
 * The key to find a person by a typed address: the address under the rule, or, when it
 * breaks the rule, a key that no stored address equals. A refused address then behaves
 * exactly like an unknown one (same answers, same timing), and per-address limits still
 * count it apart from other addresses. Hidden characters are spelled out in the key
 * ("<U+200B>"), so it holds no control character (not even a NUL, which PostgreSQL text
 * cannot hold) and two different strings keep two different keys.
 */
export function emailLookupKey(raw: string): string {
  const checked = checkEmailAddress(raw);
  if (checked.ok) return checked.email;
  return NOBODY + normalizeEmail(raw.replace(EVERY_HIDDEN, (char) => `<${codePoint(char)}>`));
}

const asText = z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') });

/** An address that creates or names a person: the normalised address, or a field error. */
export const emailAddressSchema = asText.max(1000, EMAIL_ADDRESS_MESSAGES.too_long).transform((raw, ctx) => {
  const checked = checkEmailAddress(raw);
  if (checked.ok) return checked.email;
  ctx.addIssue({ code: 'custom', message: checked.message });
  return z.NEVER;
});

/** An address that only looks someone up (a sign-in): never a field error beyond its type and size. */
export const emailLookupSchema = asText.max(1000, EMAIL_ADDRESS_MESSAGES.too_long).transform(emailLookupKey);
