// t1 diagnose <email> [--event E]: every check that applies to the person at once, one
// line each (✓ fine, ! worth knowing, ✗ wrong) with the t1 command that fixes it. A
// lookup: exit 0 whatever it finds; 3 when the platform knows nothing about the address.
import type { Deps } from '../../cli/deps.ts';
import { notFoundError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { formatUtc } from '../../cli/render/format.ts';
import { diagnose, unknownAddress, type DiagnoseReport, type Diagnosis } from '../../troubleshoot/diagnose.ts';
import { platformFacts, type PlatformFacts } from '../../troubleshoot/facts.ts';
import type { Verdict } from '../../troubleshoot/runbook.ts';

export interface Options {
  email: string;
  event?: string;
}

export type View = DiagnoseReport;

export const MARKS: Record<Verdict, string> = { ok: '✓', warn: '!', fail: '✗' };

/** The report for one address, shared with `t1 escalate`. Not found: no account and no activity. */
export async function diagnosePerson(facts: PlatformFacts, email: string, eventRef: string | undefined, now: Date): Promise<DiagnoseReport> {
  let event: string | undefined;
  if (eventRef) {
    const found = await facts.event(eventRef);
    if (!found) throw notFoundError(`There is no event "${eventRef}".`, 'See the events with "t1 events list".');
    event = found.slug;
  }
  if (await unknownAddress(facts, email)) {
    throw notFoundError(`No account has ${email}, and nothing was recorded for that address.`, 'Check the spelling, or search by name with "t1 users find".');
  }
  return diagnose({ email, event, facts, now });
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const email = options.email.trim();
  return diagnosePerson(platformFacts(await deps.client()), email, options.event?.trim(), deps.now());
}

function quote(arg: string): string {
  return /^[\w@.:/=,+-]+$/.test(arg) ? arg : `"${arg.replaceAll('"', '\\"')}"`;
}

export function fixCommand(argv: string[]): string {
  return `t1 ${argv.map(quote).join(' ')}`;
}

function line(out: Output, result: Diagnosis): void {
  const mark = MARKS[result.verdict];
  const styled = result.verdict === 'ok' ? out.style.green(mark) : result.verdict === 'warn' ? out.style.yellow(mark) : out.style.red(mark);
  const where = result.event ? ` (${result.event})` : '';
  out.line(`${styled} ${out.style.bold(`${result.title}${where}:`)} ${result.summary}`);
  if (result.verdict === 'ok') return;
  for (const fix of result.fixes) out.line(`    ${fix.label}: ${fixCommand(fix.argv)}`);
  if (result.hint) out.line(`    ${result.hint}`);
}

export function render(view: View, out: Output): void {
  const who = view.person ? `${view.person.name} <${view.email}> (${view.person.id})` : `${view.email} (no account)`;
  out.heading(`Diagnosis of ${who}, ${formatUtc(view.checkedAt)}`);
  if (view.events.length > 0) out.line(`Events checked: ${view.events.join(', ')}`);
  out.line();
  for (const result of view.results) line(out, result);
  out.line();
  const { warn, fail } = view.counts;
  if (warn === 0 && fail === 0) out.line('No issues found.');
  else out.line(`${fail === 0 ? 'No problems' : `${fail} ${fail === 1 ? 'problem' : 'problems'}`}, ${warn} ${warn === 1 ? 'warning' : 'warnings'}.`);
}
