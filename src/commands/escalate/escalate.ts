// t1 escalate <email> --ticket T: the packet for tier two: the person, their
// registrations and the events' settings, the diagnosis (and a troubleshooting topic run
// without prompts with --topic), the browser, the recent timeline, emails, links and the
// request ids. Markdown on stdout, or written to --out (owner-only, mode 0600); --json
// gives the same packet as data. Nothing secret is in it.
import { chmod, writeFile } from 'node:fs/promises';
import type { Deps } from '../../cli/deps.ts';
import { notFoundError, usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { VERSION } from '../../version.ts';
import { runRunbook } from '../../troubleshoot/engine.ts';
import { buildEscalation, renderEscalationMarkdown, type EscalationPacket } from '../../troubleshoot/escalation.ts';
import { platformFacts, type PlatformFacts } from '../../troubleshoot/facts.ts';
import type { Answers } from '../../troubleshoot/runbook.ts';
import { diagnosePerson } from '../diagnose/diagnose.ts';

export interface Options {
  email: string;
  ticket?: string;
  topic?: string;
  note?: string;
  out?: string;
  event?: string;
  userAgent?: string;
}

export type View = EscalationPacket | { written: string; format: 'markdown' | 'json'; ticket: string; email: string };

/** The platform's address without any user name or password in it. */
function publicUrl(base: string): string {
  try {
    const url = new URL(base);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return base;
  }
}

async function troubleshooting(topic: string, answers: Answers, facts: PlatformFacts, now: Date): Promise<EscalationPacket['troubleshooting']> {
  const { loadRunbooks } = await import('../../troubleshoot/catalog.ts');
  const runbooks = await loadRunbooks();
  const runbook = runbooks.find((r) => r.id === topic);
  if (!runbook) throw notFoundError(`There is no troubleshooting topic "${topic}".`, 'See them all with "t1 troubleshoot list".');
  const missing = runbook.questions.filter((q) => !q.optional && !answers[q.key]);
  if (missing.length > 0) return { topic: runbook.id, notRun: `it needs ${missing.map((q) => q.flag).join(', ')}` };
  const report = await runRunbook(runbook, { answers, facts, now });
  return { topic: report.topic.id, title: report.topic.title, findings: report.findings, outcome: report.outcome };
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const email = options.email.trim();
  const ticket = options.ticket?.trim();
  if (!ticket) throw usageError('An escalation needs the ticket it belongs to.', 'Pass --ticket <id>.');
  const client = await deps.client();
  const facts = platformFacts(client);
  const now = deps.now();
  const diagnosis = await diagnosePerson(facts, email, options.event?.trim(), now);
  const event = options.event ? diagnosis.events[0] : undefined;

  let tried: EscalationPacket['troubleshooting'] = null;
  if (options.topic) {
    const user = await facts.user(email);
    const only = user?.registrations.length === 1 ? user.registrations[0]!.eventSlug : undefined;
    const answers: Answers = { email };
    if (event ?? only) answers.event = (event ?? only)!;
    if (options.userAgent) answers.userAgent = options.userAgent.trim();
    tried = await troubleshooting(options.topic.trim(), answers, facts, now);
  }

  let version: string | null = null;
  try {
    version = (await client.health()).version;
  } catch {
    version = null;
  }
  const embedded = (await deps.settings()).apiUrl === undefined;
  const packet = await buildEscalation({
    email,
    ticket,
    note: options.note,
    event,
    userAgent: options.userAgent?.trim() || undefined,
    facts,
    now,
    t1Version: VERSION,
    platform: { url: publicUrl(client.baseUrl), embedded, version },
    diagnosis,
    troubleshooting: tried,
  });

  if (!options.out) return packet;
  const format = deps.flags.json ? 'json' : 'markdown';
  const text = format === 'json' ? `${JSON.stringify(packet, null, 2)}\n` : renderEscalationMarkdown(packet);
  await writeFile(options.out, text, { mode: 0o600 });
  // writeFile keeps the mode of a file that already existed.
  await chmod(options.out, 0o600);
  return { written: options.out, format, ticket, email };
}

export function render(view: View, out: Output): void {
  if ('written' in view) {
    out.line(`Wrote the escalation packet for ${view.email} (ticket ${view.ticket}) to ${view.written}.`);
    return;
  }
  out.text(renderEscalationMarkdown(view));
}
