// t1 events create <slug> --title --starts --ends --timezone (admin): a new event. Every
// other setting starts at its default (registration open, email and password with email
// verification, public email domains refused...); "t1 events set" changes them.
import type { EventDetail } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { actionContext, confirmAction, newIdempotencyKey, type ActionFlags } from '../support.ts';
import { render as renderEvent } from './show.ts';

export interface Options extends ActionFlags {
  slug: string;
  title?: string;
  starts?: string;
  ends?: string;
  timezone?: string;
}

export type View = EventDetail;

const EXAMPLE = 'For example: t1 events create spring-forum-2027 --title "Spring Forum 2027" --starts 2027-04-20T09:00 --ends 2027-04-20T17:00 --timezone Europe/Berlin';

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw usageError(`Give ${flag}; a new event needs its title, start, end and time zone.`, EXAMPLE);
  return value;
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const body = {
    slug: options.slug,
    title: required(options.title, '--title'),
    startsAt: required(options.starts, '--starts'),
    endsAt: required(options.ends, '--ends'),
    timezone: required(options.timezone, '--timezone'),
  };
  await confirmAction(deps, options, `Create the event ${body.slug} ("${body.title}")?`);
  return (await deps.client()).createEvent({ ...body, ...actionContext(options) }, newIdempotencyKey());
}

export async function render(view: View, out: Output): Promise<void> {
  await renderEvent(view, out);
  out.notice(`Created ${view.slug}. Change its settings with "t1 events set ${view.slug} <setting> <value>" (list them: "t1 events set ${view.slug}").`);
}
