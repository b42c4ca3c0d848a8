// Where `t1 platform start` (without --db) says that it is serving the embedded database,
// so a t1 command with no platform configured talks to that running platform instead of
// opening the same SQLite file in-process. Light on purpose (node:fs only): the CLI reads
// it before deciding whether to load the platform at all.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ServingRecord {
  /** Where a client on this machine reaches the served platform (the bound address). */
  url: string;
  pid: number;
  startedAt: string;
}

/** The admin API token the embedded platform keeps for the CLI (mode 0600). */
export function cliTokenFile(dataDir: string): string {
  return join(dataDir, 'cli-token');
}

export function servingFile(dataDir: string): string {
  return join(dataDir, 'serving.json');
}

/** The embedded CLI token, or undefined when there is none yet. */
export function readCliToken(dataDir: string): string | undefined {
  try {
    return readFileSync(cliTokenFile(dataDir), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The serving record, or undefined when there is none or it cannot be read. */
export function readServing(dataDir: string): ServingRecord | undefined {
  try {
    const value = JSON.parse(readFileSync(servingFile(dataDir), 'utf8')) as Partial<ServingRecord>;
    if (typeof value.url !== 'string' || !Number.isInteger(value.pid) || (value.pid as number) <= 0) return undefined;
    new URL(value.url);
    return { url: value.url, pid: value.pid as number, startedAt: String(value.startedAt ?? '') };
  } catch {
    return undefined;
  }
}

export function writeServing(dataDir: string, record: ServingRecord): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = servingFile(dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/** Removes the serving record if it is still the one of `pid` (another start may have replaced it). */
export function removeServing(dataDir: string, pid: number): void {
  if (readServing(dataDir)?.pid !== pid) return;
  rmSync(servingFile(dataDir), { force: true });
}

/** Whether a process with this id exists (one of another user counts as alive). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
