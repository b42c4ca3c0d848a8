// Validates request parts with the contract's zod schemas, turning failures into the
// API's field errors instead of exceptions that would become 500s.
import type { z } from 'zod';
import { HttpError } from '../http-error.ts';

export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: 'query' | 'body' | 'params'): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  // A cursor is opaque to callers: whatever is wrong with it, the answer is the same.
  if (result.error.issues.some((issue) => issue.path[0] === 'cursor')) {
    throw new HttpError('invalid_cursor', 'The cursor is not valid. Start again from the first page.', {
      fields: [{ field: `${where}.cursor`, message: 'not a cursor this server issued' }],
    });
  }
  const fields = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : null;
    const message = issue.code === 'unrecognized_keys' ? `unknown field: ${issue.keys.join(', ')}` : issue.message;
    return { field: path === null ? where : `${where}.${path}`, message };
  });
  const summary = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  throw new HttpError('validation_failed', `The request is not valid (${summary}).`, { fields });
}
