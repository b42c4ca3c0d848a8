// A person row for tests that need someone the demo does not have: the columns a new
// account needs (the rest start empty), plus what the test cares about.
import { searchColumns } from '../../src/platform/services/user-search.ts';
import { DEMO_ORG_ID } from '../../src/platform/seed/demo.ts';
import type { NewUser } from '../../src/platform/storage/schema.ts';

export function personRow(fields: { id: string; email: string; first: string; last: string } & Partial<NewUser>): NewUser {
  const { id, email, first, last, ...rest } = fields;
  const now = new Date().toISOString();
  return {
    id,
    org_id: DEMO_ORG_ID,
    email,
    first_name: first,
    last_name: last,
    ...searchColumns(first, last),
    created_at: now,
    updated_at: now,
    ...rest,
  };
}
