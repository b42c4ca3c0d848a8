// Passwords that appear at the top of every leaked-password list. Anything here (or
// these with a trailing number or year) is refused whatever its length.
export const COMMON_PASSWORDS: readonly string[] = [
  'password', 'passw0rd', 'p@ssword', 'p@ssw0rd', 'password1', 'password12', 'password123',
  'password1234', 'passwordpassword', '123456', '1234567', '12345678', '123456789',
  '1234567890', '0123456789', '0987654321', '987654321', '11111111', '111111111',
  '1111111111', '00000000', '000000000', '0000000000', '12341234', '123123123', '123412341234',
  'qwerty', 'qwerty123', 'qwertyuiop', 'qwertyuiop123', 'qwerty1234', 'azerty', 'azertyuiop',
  'asdfghjkl', 'asdfasdf', 'zxcvbnm', 'zxcvbnm123', '1qaz2wsx', '1qaz2wsx3edc', 'qazwsxedc',
  'abc12345', 'abcd1234', 'abcdefgh', 'abcdefg123', 'iloveyou', 'iloveyou1', 'letmein',
  'letmein123', 'welcome', 'welcome1', 'welcome123', 'welcome2024', 'welcome2025',
  'welcome2026', 'admin123', 'administrator', 'changeme', 'changeme123', 'trustno1',
  'sunshine', 'sunshine1', 'princess', 'princess1', 'football', 'football1', 'baseball',
  'basketball', 'superman', 'batman123', 'starwars', 'pokemon123', 'dragon123', 'monkey123',
  'master123', 'shadow123', 'michael1', 'jennifer', 'jordan23', 'whatever', 'freedom1',
  'computer', 'internet', 'secret123', 'mypassword', 'default123', 'login123', 'access123',
  'summer2024', 'summer2025', 'summer2026', 'winter2024', 'winter2025', 'winter2026',
  'spring2026', 'autumn2026', 'january2026', 'november2026', 'december2026',
  'event2026', 'events2026', 'register', 'register123', 'conference', 'webinar123',
];

const COMMON = new Set(COMMON_PASSWORDS);

/** True for a listed password, also with digits or punctuation appended. */
export function isCommonPassword(password: string): boolean {
  const lower = password.toLowerCase();
  return COMMON.has(lower) || COMMON.has(lower.replace(/[\d!@#$%^&*._-]+$/, ''));
}
