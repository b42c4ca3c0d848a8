// Recognises database errors the platform expects under concurrency, on both dialects.

const SQLITE_UNIQUE = new Set([1555, 2067]); // SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE
const POSTGRES_UNIQUE = '23505';

/** True when two requests raced to create the same row and this one lost. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; errcode?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return e.code === POSTGRES_UNIQUE || (e.code === 'ERR_SQLITE_ERROR' && SQLITE_UNIQUE.has(Number(e.errcode)));
}

// PostgreSQL refuses text it cannot store (a NUL character, bytes outside UTF-8):
// 22021 character_not_in_repertoire, 22P05 untranslatable_character.
const POSTGRES_INVALID_TEXT = new Set(['22021', '22P05']);

/** True when the database refused a value of the request as text it cannot hold. */
export function isInvalidText(error: unknown): boolean {
  const e = error as { code?: unknown } | null;
  return Boolean(e && typeof e === 'object' && typeof e.code === 'string' && POSTGRES_INVALID_TEXT.has(e.code));
}
