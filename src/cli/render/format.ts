// Small formatters shared by the renderers.
import type { RegistrationStage, RegistrationStatus } from '../../contract/vocabulary.ts';

/** "2026-12-14 09:00 America/New_York": a time as the event's audience reads it. */
export function formatInZone(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${timeZone}`;
}

export function formatUtc(iso: string | null): string {
  return iso ? formatInZone(iso, 'UTC') : '-';
}

export function statusStage(status: RegistrationStatus, stage: RegistrationStage): string {
  return `${status}/${stage}`;
}

export function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}
