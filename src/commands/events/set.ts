// t1 events set <event> <setting> <value> (admin): changes one setting of an event. With no
// setting it lists them all: the value each has now (written as the setting takes it) and
// what it accepts. Values are checked here with the platform's own rules before anything
// is sent; the platform checks them again.
import { EVENT_SETTINGS, EVENT_SETTING_NAMES, findEventSetting, NAME_FIELDS, type EventSetting } from '../../contract/event-settings.ts';
import type { EventDetail } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatInZone } from '../../cli/render/format.ts';
import { actionContext, confirmAction, newIdempotencyKey, type ActionFlags } from '../support.ts';
import { render as renderEvent } from './show.ts';
import { editDistance } from '../../cli/edit-distance.ts';

export interface Options extends ActionFlags {
  event: string;
  setting?: string;
  value: string[];
}

export interface SettingRow {
  setting: string;
  /** The value now, written the way the setting takes it. */
  value: string;
  accepts: string;
  describe: string;
}

export interface View {
  event: EventDetail;
  /** The setting changed; null when the settings were only listed. */
  changed: string | null;
  settings: SettingRow[];
}

function duration(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

/** Each setting's value in the syntax `t1 events set` takes, so it can be copied back. */
export function settingValue(name: string, e: EventDetail): string {
  const local = (iso: string) => formatInZone(iso, e.timezone).slice(0, 16);
  switch (name) {
    case 'title':
      return e.title;
    case 'starts':
      return local(e.startsAt);
    case 'ends':
      return local(e.endsAt);
    case 'timezone':
      return e.timezone;
    case 'registration':
      return e.registrationOpen ? 'open' : 'closed';
    case 'login-method':
      return e.loginMethod;
    case 'email-verification':
      return e.verifyEmail ? 'on' : 'off';
    case 'form-fields': {
      const extra = e.formFields.filter((f) => !(NAME_FIELDS as readonly string[]).includes(f.name));
      return extra.length === 0 ? 'none' : extra.map((f) => `${f.name}:${f.required ? 'required' : 'optional'}`).join(',');
    }
    case 'approved-domains':
      return e.approvedDomains.length === 0 ? 'any' : e.approvedDomains.join(',');
    case 'public-domains':
      return e.refusePublicDomains ? 'refused' : 'allowed';
    case 'password-length':
      return `${e.passwordPolicy.minLength}..${e.passwordPolicy.maxLength}`;
    case 'verification-link-lifetime':
      return duration(e.linkLifetimes.verificationMinutes);
    case 'login-link-lifetime':
      return duration(e.linkLifetimes.loginLinkMinutes);
    case 'set-password-link-lifetime':
      return duration(e.linkLifetimes.setPasswordMinutes);
    default:
      return '';
  }
}

function rows(event: EventDetail): SettingRow[] {
  return EVENT_SETTINGS.map((s) => ({ setting: s.name, value: settingValue(s.name, event), accepts: s.accepts, describe: s.describe }));
}

function knownSetting(name: string, event: string): EventSetting {
  const found = findEventSetting(name);
  if (found) return found;
  const typed = name.trim().toLowerCase().replaceAll('_', '-');
  const close = EVENT_SETTING_NAMES.filter((s) => editDistance(s, typed) <= 3 || (typed.length >= 4 && s.includes(typed))).slice(0, 3);
  const listing = `See them all with "t1 events set ${event}".`;
  throw usageError(`There is no event setting "${name}".`, close.length > 0 ? `Did you mean ${close.join(', ')}? ${listing}` : listing);
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const ref = options.event.trim();
  if (!ref) throw usageError('Give the event (slug or id).', 'List them with "t1 events list".');
  if (options.setting === undefined) {
    const event = await (await deps.client()).getEvent(ref);
    return { event, changed: null, settings: rows(event) };
  }
  const setting = knownSetting(options.setting, ref);
  const value = options.value.join(' ');
  if (value.trim() === '') throw usageError(`Give the new value of ${setting.name}.`, `It takes ${setting.accepts}.`);
  const change = setting.parse(value);
  if ('problem' in change) throw usageError(change.problem, `${setting.name} takes ${setting.accepts}.`);
  await confirmAction(deps, options, `Change ${setting.name} of ${ref} to "${value}"?`);
  const event = await (await deps.client()).updateEvent(ref, { ...change, ...actionContext(options) }, newIdempotencyKey());
  return { event, changed: setting.name, settings: rows(event) };
}

export async function render(view: View, out: Output): Promise<void> {
  if (view.changed === null) {
    await out.table(
      ['Setting', 'Value', 'Accepts'],
      view.settings.map((s) => [s.setting, s.value, s.accepts]),
    );
    out.hint(`Change one with "t1 events set ${view.event.slug} <setting> <value>".`);
    return;
  }
  await renderEvent(view.event, out);
  const changed = view.settings.find((s) => s.setting === view.changed);
  out.notice(`Changed ${view.changed} of ${view.event.slug} to ${changed?.value ?? 'the new value'}.`);
}
