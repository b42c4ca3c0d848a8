// Keyset pagination cursors: the sort key of the last row, as base64url JSON. Opaque to
// callers; anything that does not decode to the expected shape is a 400, never a 500.
import type { z } from 'zod';
import { HttpError } from '../http-error.ts';

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<T extends z.ZodType>(text: string, shape: T): z.output<T> {
  try {
    return shape.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new HttpError('invalid_cursor', 'The cursor is not valid. Start again from the first page.', {
      fields: [{ field: 'cursor', message: 'not a cursor this server issued' }],
    });
  }
}
