// Phone numbers for the SMS second factor: parsed and validated with libphonenumber-js
// (its small metadata build), kept as E.164, shown to anyone but their owner only masked.
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

export type PhoneCheck = { ok: true; e164: string; masked: string } | { ok: false; message: string };

const MAX_INPUT_LENGTH = 40;

/** A number typed in international form (+ and the country code; 00 works as +). */
export function parsePhone(input: string): PhoneCheck {
  const trimmed = input.trim();
  if (trimmed.length === 0) return { ok: false, message: 'Enter a mobile number.' };
  if (trimmed.length > MAX_INPUT_LENGTH || !/^[+0-9 ().\-]+$/.test(trimmed)) {
    return { ok: false, message: 'A phone number has only digits, spaces, dashes, brackets and a leading +.' };
  }
  const international = trimmed.startsWith('00') ? `+${trimmed.slice(2)}` : trimmed;
  if (!international.startsWith('+')) return { ok: false, message: 'Enter the number with its country code, starting with + (for example +44 7700 900123).' };
  const number = parsePhoneNumberFromString(international);
  if (!number || !number.isValid()) return { ok: false, message: 'This is not a valid phone number for its country code.' };
  return { ok: true, e164: number.number, masked: maskPhone(number.countryCallingCode, number.nationalNumber) };
}

/** "+44 •••••••123": the country code and the last three digits, never more. */
export function maskPhone(countryCallingCode: string, nationalNumber: string): string {
  const shown = nationalNumber.slice(-3);
  return `+${countryCallingCode} ${'•'.repeat(Math.max(nationalNumber.length - shown.length, 0))}${shown}`;
}
