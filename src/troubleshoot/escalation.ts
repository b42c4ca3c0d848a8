// The escalation packet: everything tier two needs about one person, gathered from the
// platform API in one go, as data (for --json) and as Markdown for the ticket. Nothing
// secret goes in: the API never hands out tokens, link URLs, passwords or codes, and the
// packet copies only named fields (no free-form detail objects).
import { causeText, describeActivity, LINK_KIND_NAMES } from '../contract/activity.ts';
import type { AccountState, EventDetail, LinkView, MfaStatus } from '../contract/schemas.ts';
import { withoutControlCharacters } from '../client/sanitize.ts';
import { browserText } from '../cli/render/activity.ts';
import { formatInZone, formatUtc } from '../cli/render/format.ts';
import type { DiagnoseReport } from './diagnose.ts';
import { callerBrowser } from './checks/browser-ladder.ts';
import type { RunReport } from './engine.ts';
import type { PlatformFacts } from './facts.ts';
import type { CheckContext, Verdict } from './runbook.ts';

export const TIMELINE_ENTRIES = 50;

export interface EscalationPacket {
  ticket: string;
  note: string | null;
  preparedAt: string;
  t1Version: string;
  platform: { url: string; embedded: boolean; version: string | null };
  person: {
    email: string;
    /** Null when no account has the address (the timeline then holds its refused attempts). */
    id: string | null;
    name: string | null;
    company: string | null;
    account: AccountState | null;
    mfa: MfaStatus | null;
  };
  registrations: {
    event: string;
    eventTitle: string;
    role: string;
    type: string;
    status: string;
    stage: string;
    /** What the status means, as `t1 status` says it. */
    label: string | null;
  }[];
  events: {
    slug: string;
    title: string;
    phase: string;
    startsAt: string;
    endsAt: string;
    timezone: string;
    loginMethod: string;
    verifyEmail: boolean;
    registrationOpen: boolean;
    approvedDomains: string[];
    refusePublicDomains: boolean;
    passwordPolicy: { minLength: number; maxLength: number };
    linkLifetimes: { verificationMinutes: number; loginLinkMinutes: number; setPasswordMinutes: number };
  }[];
  browser: { source: 'user-agent' | 'last-visit'; at: string | null; browser: string; supported: boolean | null; verdict: Verdict } | null;
  diagnosis: DiagnoseReport;
  troubleshooting: { topic: string; title: string; findings: RunReport['findings']; outcome: RunReport['outcome'] } | { topic: string; notRun: string } | null;
  timeline: {
    at: string;
    kind: string;
    outcome: string;
    reason: string | null;
    event: string | null;
    summary: string;
    browser: string | null;
    network: string | null;
    actor: string | null;
    ticket: string | null;
    note: string | null;
    requestId: string | null;
  }[];
  /** True when the person has more entries than the packet holds. */
  timelineTruncated: boolean;
  mails: {
    at: string;
    template: string;
    subject: string;
    event: string | null;
    status: string;
    attempts: number;
    lastError: string | null;
    sentAt: string | null;
    cause: string | null;
  }[];
  /** The text messages with codes, newest first; null when the agent's role cannot read the SMS log. */
  texts: { at: string; purpose: string; phone: string; status: string; attempts: number; lastError: string | null; sentAt: string | null }[] | null;
  links: {
    id: string;
    kind: string;
    event: string | null;
    createdAt: string;
    createdBy: string | null;
    cause: string | null;
    expiresAt: string | null;
    state: string;
    replacedBy: string | null;
    opened: number;
    lastOpenedAt: string | null;
    usedAt: string | null;
    usedFrom: string | null;
  }[];
  requestIds: string[];
}

export interface EscalationInput {
  email: string;
  ticket: string;
  note?: string;
  event?: string;
  userAgent?: string;
  facts: PlatformFacts;
  now: Date;
  t1Version: string;
  platform: { url: string; embedded: boolean; version: string | null };
  diagnosis: DiagnoseReport;
  troubleshooting: EscalationPacket['troubleshooting'];
}

const eventFields = (e: EventDetail): EscalationPacket['events'][number] => ({
  slug: e.slug,
  title: e.title,
  phase: e.phase,
  startsAt: e.startsAt,
  endsAt: e.endsAt,
  timezone: e.timezone,
  loginMethod: e.loginMethod,
  verifyEmail: e.verifyEmail,
  registrationOpen: e.registrationOpen,
  approvedDomains: e.approvedDomains,
  refusePublicDomains: e.refusePublicDomains,
  passwordPolicy: e.passwordPolicy,
  linkLifetimes: e.linkLifetimes,
});

/** The browser verdict: from the User-Agent the caller gave, or the last visit on record. */
async function browserVerdict(context: CheckContext): Promise<EscalationPacket['browser']> {
  const found = await callerBrowser(context);
  if (!found) {
    return context.answers.userAgent ? { source: 'user-agent', at: null, browser: 'not a browser the pages recognise', supported: null, verdict: 'warn' } : null;
  }
  return {
    source: found.source === 'user-agent' ? 'user-agent' : 'last-visit',
    at: found.at ?? null,
    browser: found.name,
    supported: found.supported,
    verdict: found.supported === true ? 'ok' : found.supported === false ? 'fail' : 'warn',
  };
}

const linkFields = (l: LinkView): EscalationPacket['links'][number] => ({
  id: l.id,
  kind: l.kind,
  event: l.eventSlug,
  createdAt: l.createdAt,
  createdBy: l.createdBy,
  cause: l.cause,
  expiresAt: l.expiresAt,
  state: l.state,
  replacedBy: l.replacedBy,
  opened: l.opened.count,
  lastOpenedAt: l.opened.lastAt,
  usedAt: l.usedAt,
  usedFrom: l.usedAt ? [browserText(l.usedBrowser) || 'unknown browser', l.usedNetwork].filter(Boolean).join(', ') : null,
});

export async function buildEscalation(input: EscalationInput): Promise<EscalationPacket> {
  const { email, facts } = input;
  const user = await facts.user(email);
  const fullTimeline = await facts.timeline(email);
  const timeline = fullTimeline.slice(0, TIMELINE_ENTRIES);
  const mails = await facts.mails(email);
  const links = await facts.links(email);
  const mfa = await facts.mfa(email);
  const texts = await facts.sms(email);
  const wanted = input.event ? (user?.registrations.filter((r) => r.eventSlug === input.event) ?? []) : (user?.registrations ?? []);
  const registrations: EscalationPacket['registrations'] = [];
  const events: EscalationPacket['events'] = [];
  const slugs = new Set<string>(wanted.map((r) => r.eventSlug));
  if (input.event) slugs.add(input.event);
  for (const r of wanted) {
    const status = await facts.status(email, r.eventSlug);
    registrations.push({
      event: r.eventSlug,
      eventTitle: r.eventTitle,
      role: r.role,
      type: r.type,
      status: r.status,
      stage: r.stage,
      label: status ? `${status.explanation.statusLabel}: ${status.explanation.label}` : null,
    });
  }
  for (const slug of slugs) {
    const event = await facts.event(slug);
    if (event) events.push(eventFields(event));
  }
  const requestIds = [...new Set(timeline.map((e) => e.requestId).filter((id): id is string => !!id))];
  const packet: EscalationPacket = {
    ticket: input.ticket,
    note: input.note ?? null,
    preparedAt: input.now.toISOString(),
    t1Version: input.t1Version,
    platform: input.platform,
    person: {
      email: user?.email ?? email,
      id: user?.id ?? null,
      name: user?.fullName ?? null,
      company: user?.company ?? null,
      account: user?.account ?? null,
      mfa,
    },
    registrations,
    events,
    browser: await browserVerdict({ answers: { email, ...(input.userAgent ? { userAgent: input.userAgent } : {}) }, facts, now: input.now }),
    diagnosis: input.diagnosis,
    troubleshooting: input.troubleshooting,
    timeline: timeline.map((e) => ({
      at: e.at,
      kind: e.kind,
      outcome: e.outcome,
      reason: e.reason,
      event: e.eventSlug,
      summary: describeActivity(e),
      browser: e.browser ? browserText(e.browser) : null,
      network: e.network,
      actor: e.actor,
      ticket: e.ticket,
      note: e.note,
      requestId: e.requestId,
    })),
    timelineTruncated: fullTimeline.length > timeline.length,
    mails: mails.map((m) => ({
      at: m.createdAt,
      template: m.template,
      subject: m.subject,
      event: m.eventSlug,
      status: m.status,
      attempts: m.attempts,
      lastError: m.lastError,
      sentAt: m.sentAt,
      cause: m.cause ? causeText(m.cause, m.causeActor) : null,
    })),
    texts: texts?.map((t) => ({ at: t.createdAt, purpose: t.purpose, phone: t.maskedPhone, status: t.status, attempts: t.attempts, lastError: t.lastError, sentAt: t.sentAt })) ?? null,
    links: links.map(linkFields),
    requestIds,
  };
  // A packet goes into tickets and files as well as to a terminal: no control characters in it.
  return withoutControlCharacters(packet);
}

// ---- Markdown -------------------------------------------------------------------------

// Characters the platform may send that would change how Markdown reads inside a line:
// emphasis, code, links and images, raw HTML, table cells, strike-through. Escaped with a
// backslash. (Values never start a line: newlines are folded, so headings, lists and
// quotes cannot begin inside one.)
const MARKDOWN_SIGNIFICANT = /[\\`*_[\]<>|~]/g;
// Invisible characters that reorder or hide text (bidirectional overrides, zero widths).
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** A value as inert Markdown text: one line, no control or invisible characters, no syntax. */
export function mdText(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  return withoutControlCharacters(value)
    .replace(INVISIBLE, '')
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(MARKDOWN_SIGNIFICANT, (c) => `\\${c}`)
    .replace(/&/g, '&amp;');
}

/** A value as an inline code span (ids, emails, slugs, commands), safe in a table cell too. */
export function mdCode(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  const clean = withoutControlCharacters(value).replace(INVISIBLE, '').replace(/\s*[\r\n]+\s*/g, ' ');
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') || longest > 0 ? ' ' : '';
  // In a GFM table a pipe ends the cell even inside a code span, unless escaped.
  return `${fence}${pad}${clean.replace(/\|/g, '\\|')}${pad}${fence}`;
}

function table(headers: string[], rows: string[][]): string[] {
  if (rows.length === 0) return ['_None._'];
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

const MARKS: Record<Verdict, string> = { ok: '✓', warn: '!', fail: '✗' };
const utc = (iso: string | null) => (iso ? formatUtc(iso) : '-');
const minutes = (n: number) => (n % (24 * 60) === 0 ? `${n / (24 * 60)} d` : n % 60 === 0 ? `${n / 60} h` : `${n} min`);

function command(argv: string[]): string {
  return mdCode(`t1 ${argv.map((a) => (/^[\w@.:/=,+-]+$/.test(a) ? a : `"${a.replaceAll('"', '\\"')}"`)).join(' ')}`);
}

export function renderEscalationMarkdown(p: EscalationPacket): string {
  const out: string[] = [];
  const who = p.person.name ? `${mdText(p.person.name)} (${mdCode(p.person.email)})` : `${mdCode(p.person.email)} (no account)`;
  out.push(`# Escalation ${mdText(p.ticket)}: ${who}`, '');
  out.push(`Prepared ${utc(p.preparedAt)} with t1 ${mdText(p.t1Version)} against ${p.platform.embedded ? 'the embedded platform ' : ''}${mdCode(p.platform.url)} (platform ${mdText(p.platform.version ?? 'version unknown')}).`);
  if (p.note) out.push('', `**Agent's note:** ${mdText(p.note)}`);

  out.push('', '## Person', '');
  const a = p.person.account;
  const m = p.person.mfa;
  out.push(
    ...table(
      ['Field', 'Value'],
      [
        ['Name', mdText(p.person.name)],
        ['Email', mdCode(p.person.email)],
        ['User id', mdCode(p.person.id)],
        ['Company', mdText(p.person.company)],
        ...(a
          ? [
              ['Password set', a.passwordSet ? 'yes' : 'no'],
              ['Email verified', a.emailVerifiedAt ? utc(a.emailVerifiedAt) : 'no'],
              ['Locked', a.locked ? `yes, until ${utc(a.lockedUntil)} (${a.failedSignIns} failed sign-ins)` : `no (${a.failedSignIns} failed sign-ins)`],
              ['Blocked', a.blocked ? 'yes' : 'no'],
            ]
          : [['Account', 'none: no account has this address']]),
        ...(m
          ? [['Two-factor', m.enrolled ? `on since ${utc(m.enrolledAt)}, ${m.recoveryCodesLeft} recovery codes left` : m.pendingEnrollment ? `enrollment pending until ${utc(m.pendingEnrollment.expiresAt)}` : `off${m.requiredByOrganisation ? ' (required by the organisation)' : ''}`]]
          : []),
        ...(m?.methods.sms ? [['Text message codes', `to ${mdText(m.methods.sms.maskedPhone)}, since ${utc(m.methods.sms.confirmedAt)}`]] : []),
        ...(m?.pending.sms ? [['Phone being set up', `${mdText(m.pending.sms.maskedPhone)}, code valid until ${utc(m.pending.sms.expiresAt)}`]] : []),
      ],
    ),
  );

  out.push('', '## Registrations', '');
  out.push(...table(['Event', 'Role', 'Type', 'Status', 'Stage', 'Meaning'], p.registrations.map((r) => [mdCode(r.event), r.role, r.type, r.status, r.stage, mdText(r.label)])));

  if (p.events.length > 0) out.push('', '## Event settings');
  for (const e of p.events) {
    out.push('', `### ${mdText(e.title)} (${mdCode(e.slug)})`, '');
    out.push(
      `- Phase: ${e.phase}; starts ${mdText(formatInZone(e.startsAt, e.timezone))}, ends ${mdText(formatInZone(e.endsAt, e.timezone))}`,
      `- Sign-in: ${e.loginMethod === 'magic_link' ? 'login links' : 'password'}; email verification ${e.verifyEmail ? 'on' : 'off'}; registration ${e.registrationOpen ? 'open' : 'closed'}`,
      `- Address rules: ${e.approvedDomains.length > 0 ? `only ${e.approvedDomains.map(mdCode).join(', ')}` : 'any domain'}; public email providers ${e.refusePublicDomains ? 'refused' : 'accepted'}`,
      `- Password policy: ${e.passwordPolicy.minLength} to ${e.passwordPolicy.maxLength} characters`,
      `- Link lifetimes: verification ${minutes(e.linkLifetimes.verificationMinutes)}, login link ${minutes(e.linkLifetimes.loginLinkMinutes)}, set-password ${minutes(e.linkLifetimes.setPasswordMinutes)}`,
    );
  }

  out.push('', '## What was checked', '');
  const { fail, warn } = p.diagnosis.counts;
  out.push(`Diagnosis (${fail} ${fail === 1 ? 'problem' : 'problems'}, ${warn} ${warn === 1 ? 'warning' : 'warnings'}):`, '');
  for (const r of p.diagnosis.results) {
    out.push(`- ${MARKS[r.verdict]} **${mdText(r.title)}${r.event ? ` (${mdText(r.event)})` : ''}:** ${mdText(r.summary)}`);
    if (r.verdict !== 'ok') for (const fix of r.fixes) out.push(`  - ${mdText(fix.label)}: ${command(fix.argv)}`);
  }
  if (p.troubleshooting) {
    const t = p.troubleshooting;
    out.push('', `Troubleshooting topic ${mdCode(t.topic)}${'title' in t ? `: ${mdText(t.title)}` : ''}`, '');
    if ('notRun' in t) out.push(`Not run: ${mdText(t.notRun)}`);
    else {
      for (const f of t.findings) out.push(`- ${MARKS[f.verdict]} ${mdText(f.summary)}`);
      out.push('', `- **Finding:** ${mdText(t.outcome.explain)}`, `- **Words for the caller:** ${mdText(t.outcome.tell)}`);
      for (const fix of t.outcome.fixes) out.push(`- **Fix offered:** ${mdText(fix.label)}: ${command(fix.argv)}`);
      if (t.outcome.escalate) out.push(`- **Why escalate:** ${mdText(t.outcome.escalate)}`);
    }
  }

  out.push('', '## Browser', '');
  if (!p.browser) out.push('No visit with a browser on record, and no User-Agent given.');
  else {
    const said = p.browser.supported === true ? 'supported' : p.browser.supported === false ? 'not supported' : 'not recognised';
    out.push(`${MARKS[p.browser.verdict]} ${mdText(p.browser.browser)}: ${said} (${p.browser.source === 'user-agent' ? 'from the User-Agent the caller gave' : `last visit ${utc(p.browser.at)}`}).`);
  }

  out.push('', `## Timeline (newest ${p.timeline.length}${p.timelineTruncated ? ', older entries left out' : ''})`, '');
  out.push(
    ...table(
      ['Time (UTC)', 'What happened', 'Event', 'Browser', 'Network', 'By', 'Request id'],
      p.timeline.map((e) => [
        utc(e.at),
        mdText(`${e.summary}${e.ticket ? ` [ticket ${e.ticket}]` : ''}${e.note ? ` "${e.note}"` : ''}`),
        mdCode(e.event),
        mdText(e.browser),
        mdCode(e.network),
        mdText(e.actor),
        mdCode(e.requestId),
      ]),
    ),
  );

  out.push('', '## Emails', '');
  out.push(
    ...table(
      ['Created (UTC)', 'Template', 'Subject', 'Event', 'Status', 'Attempts', 'Last error', 'Sent', 'Cause'],
      p.mails.map((e) => [utc(e.at), e.template, mdText(e.subject), mdCode(e.event), e.status, String(e.attempts), mdText(e.lastError), utc(e.sentAt), mdText(e.cause)]),
    ),
  );

  if (p.texts === null) out.push('', '## Text messages', '', 'Not read: this role cannot see the SMS log.');
  else if (p.texts.length > 0) {
    out.push('', '## Text messages', '');
    out.push(
      ...table(
        ['Created (UTC)', 'Purpose', 'Phone', 'Status', 'Attempts', 'Last error', 'Sent'],
        p.texts.map((t) => [utc(t.at), t.purpose, mdText(t.phone), t.status, String(t.attempts), mdText(t.lastError), utc(t.sentAt)]),
      ),
    );
  }

  out.push('', '## Links', '');
  out.push(
    ...table(
      ['Link', 'Kind', 'Event', 'Created (UTC)', 'By', 'Expires', 'State', 'Opened', 'Used'],
      p.links.map((l) => [
        mdCode(l.id),
        LINK_KIND_NAMES[l.kind] ?? mdText(l.kind),
        mdCode(l.event),
        utc(l.createdAt),
        mdText(l.cause ? causeText(l.cause, l.createdBy) : l.createdBy),
        utc(l.expiresAt),
        l.state === 'replaced' && l.replacedBy ? `replaced by ${mdCode(l.replacedBy)}` : l.state,
        l.opened === 0 ? 'never' : `${l.opened}×, last ${utc(l.lastOpenedAt)}`,
        l.usedAt ? `${utc(l.usedAt)}, ${mdText(l.usedFrom)}` : '-',
      ]),
    ),
  );

  out.push('', '## Request ids', '');
  out.push(p.requestIds.length > 0 ? p.requestIds.map(mdCode).join(', ') : '_None in the timeline._');
  return `${out.join('\n')}\n`;
}
