// Recognises database errors the platform expects under concurrency, on both dialects.

const SQLITE_UNIQUE = new Set([1555, 2067]); // SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE
const POSTGRES_UNIQUE = '23505';

/** True when two requests raced to create the same row and this one lost. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; errcode?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  return e.code === POSTGRES_UNIQUE || (e.code === 'ERR_SQLITE_ERROR' && SQLITE_UNIQUE.has(Number(e.errcode)));
}
