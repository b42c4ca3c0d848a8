// Small readers for what t1 prints, and a few database facts to compare it with.
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tempDir } from '../helpers/platform.ts';
import type { Db } from '../../src/platform/storage/database.ts';

/** Lines of stdout/stderr without the final newline. */
export function lines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** Tab-separated rows, as t1 prints them when stdout is not a terminal. */
export function rows(text: string): string[][] {
  return lines(text).map((line) => line.split('\t'));
}

/** "key<TAB>value" lines of a record (stops at the first blank line). */
export function record(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines(text)) {
    if (line === '') break;
    const tab = line.indexOf('\t');
    out[line.slice(0, tab)] = line.slice(tab + 1);
  }
  return out;
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

/** "2026-11-03 19:16 UTC", the way t1 prints an ISO time in UTC. */
export function utcMinute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Registrant count of an event as stored: every registration except unregistered ones. */
export async function registrantCount(db: Db, slug: string): Promise<number> {
  const row = await db
    .selectFrom('registrations')
    .innerJoin('events', 'events.id', 'registrations.event_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('events.slug', '=', slug)
    .where('registrations.status', '!=', 'unregistered')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function userId(db: Db, email: string): Promise<string> {
  return (await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

const scratchDirs: string[] = [];

/** A temporary folder (a T1_HOME, a database folder) removed by removeScratch(). */
export function scratch(): string {
  const dir = tempDir('t1-it-');
  scratchDirs.push(dir);
  return dir;
}

export function removeScratch(): void {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
