// Text from the platform (names, companies, subjects) reaches the agent's terminal. Control
// characters in it could move the cursor, clear the screen or forge output, so they are
// dropped before anything renders them. Newlines stay; renderers handle them.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

export function withoutControlCharacters<T>(value: T): T {
  if (typeof value === 'string') return value.replace(CONTROL, '') as T;
  if (Array.isArray(value)) return value.map(withoutControlCharacters) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutControlCharacters(item)])) as T;
  }
  return value;
}
