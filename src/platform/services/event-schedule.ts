// An event's start and end as typed (a local date and time in the event's zone, or one
// with an offset) turned into the UTC instants the events table stores, with the zone's
// daylight-saving changes taken into account.
import { parseDateTime } from '../../contract/event-settings.ts';

/** The zone's offset from UTC at an instant, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

export type Resolved = { ok: true; iso: string } | { ok: false; message: string };

/**
 * The instant a typed date and time names. A local time the clocks skip (spring forward)
 * names none; one they pass twice (fall back) is the earlier of the two.
 */
export function resolveDateTime(text: string, timeZone: string): Resolved {
  const parts = parseDateTime(text);
  if (!parts) return { ok: false, message: 'is not a date and time' };
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  if (parts.offsetMinutes !== null) return { ok: true, iso: new Date(wall - parts.offsetMinutes * 60_000).toISOString() };
  // The offsets in force a day either side cover every change a zone makes.
  const day = 24 * 3600_000;
  const candidates = [...new Set([offsetAt(wall - day, timeZone), offsetAt(wall + day, timeZone), offsetAt(wall, timeZone)])]
    .map((offset) => wall - offset)
    .filter((instant) => instant + offsetAt(instant, timeZone) === wall)
    .sort((a, b) => a - b);
  const first = candidates[0];
  if (first === undefined) return { ok: false, message: `does not exist in ${timeZone}: the clocks skip it (daylight saving time)` };
  return { ok: true, iso: new Date(first).toISOString() };
}
