// "Escalate to tier two": collects what the escalation packet needs (who, which event,
// the ticket, what was tried, whether it is reproducible or affects a group, the
// browser) and points the agent at `t1 escalate`, which builds the packet from the live
// platform state. Tier two's ticket wants as much as possible: links and screenshots.
import { browserCheck } from '../checks/browser.ts';
import { registrationCheck } from '../checks/registration.ts';
import { EMAIL_QUESTION, USER_AGENT_QUESTION, finding, type Check, type Runbook } from '../runbook.ts';

const REPRO = [
  { name: 'Yes, every time', value: 'always' },
  { name: 'Sometimes', value: 'sometimes' },
  { name: 'Not known', value: 'unknown' },
];
const SCOPE = [
  { name: 'Only this caller', value: 'one' },
  { name: 'A group (same place, browser, company...)', value: 'group' },
  { name: 'Not known', value: 'unknown' },
];

const topicCheck: Check = {
  id: 'topic',
  title: 'The troubleshooting topic already tried',
  async run({ answers }) {
    if (!answers.topic) return { check: 'topic', verdict: 'warn', summary: 'No troubleshooting topic named: run the one that fits first, or escalate without.', evidence: [] };
    const { findRunbook } = await import('../catalog.ts');
    const found = await findRunbook(answers.topic);
    return found
      ? { check: 'topic', verdict: 'ok', summary: `The packet will rerun "${found.title}" (${found.id}) against the live platform.`, evidence: [found.id] }
      : { check: 'topic', verdict: 'fail', summary: `There is no topic "${answers.topic}"; see "t1 troubleshoot list".`, evidence: [answers.topic] };
  },
};

const recentTroubleCheck: Check = {
  id: 'recent-trouble',
  title: 'Refusals and failures of the last 24 hours',
  async run({ answers, facts, now }) {
    const since = now.getTime() - 24 * 60 * 60_000;
    const trouble = (await facts.timeline(answers.email!)).filter((e) => (e.outcome === 'refused' || e.outcome === 'failed') && Date.parse(e.at) >= since);
    if (trouble.length === 0) return { check: 'recent-trouble', verdict: 'ok', summary: 'Nothing refused or failed in the last 24 hours.', evidence: [] };
    const ids = trouble.filter((e) => e.requestId).length;
    return {
      check: 'recent-trouble',
      verdict: 'warn',
      summary: `${trouble.length} refusal${trouble.length === 1 ? '' : 's'} or failure${trouble.length === 1 ? '' : 's'} in the last 24 hours (${ids} with a request id for tier two).`,
      evidence: trouble.slice(0, 10).map((e) => `${e.at} ${e.kind} ${e.reason ?? e.outcome}${e.requestId ? ` request ${e.requestId}` : ''}`),
    };
  },
};

export const runbook: Runbook = {
  id: 'escalation',
  title: 'Escalate to tier two',
  group: 'escalation',
  phrases: ['escalate to tier two', 'nothing worked', 'still broken after every step', 'it happens to everyone in our office', 'open a ticket with tier two', 'hand over to second line'],
  questions: [
    EMAIL_QUESTION,
    { key: 'event', prompt: 'Which event (slug; empty if none)', flag: '--event <slug>', optional: true },
    { key: 'ticket', prompt: 'The support ticket id', flag: '--answer ticket=<id>' },
    { key: 'topic', prompt: 'The troubleshooting topic you already ran (id; empty if none)', flag: '--answer topic=<id>', optional: true },
    { key: 'reproducible', prompt: 'Does it happen every time they try?', flag: '--answer reproducible=always|sometimes|unknown', choices: REPRO, optional: true },
    { key: 'scope', prompt: 'Who is affected?', flag: '--answer scope=one|group|unknown', choices: SCOPE, optional: true },
    USER_AGENT_QUESTION,
  ],
  checks: [registrationCheck, topicCheck, browserCheck, recentTroubleCheck],
  conclude({ answers }, findings) {
    const email = answers.email!;
    const topic = finding(findings, 'topic')?.verdict === 'ok' ? answers.topic : undefined;
    const argv = ['escalate', email, '--ticket', answers.ticket!, ...(topic ? ['--topic', topic] : []), ...(answers.event ? ['--event', answers.event] : [])];
    const ua = answers.userAgent ? ` --user-agent "${answers.userAgent.replaceAll('"', '\\"')}"` : '';
    const facts = [
      answers.reproducible === 'always' ? 'it is reproducible' : answers.reproducible === 'sometimes' ? 'it happens sometimes' : 'whether it is reproducible is not known',
      answers.scope === 'group' ? 'it affects a group' : answers.scope === 'one' ? 'it affects this caller only' : 'how many people it affects is not known',
    ];
    const missing = [!topic && 'a topic run', !answers.userAgent && 'the browser', !answers.event && 'the event'].filter(Boolean);
    return {
      explain: `Build the packet with: t1 ${argv.join(' ')}${ua} (add --note "..." for what you tried and --out ${answers.ticket}.md to attach it). It carries the person, registrations, event settings, the topic's findings, the recent timeline, emails, links and request ids; ${facts.join(' and ')}. Put that in the ticket note${missing.length ? `; still missing: ${missing.join(', ')}` : ''}.`,
      tell: `I am passing this to our specialist team under ticket ${answers.ticket}, with everything we found today. If you can, send us a screenshot of what you see and the page address; we will contact you at ${email}.`,
      fixes: [],
      escalate: `Tier two takes over: ${facts.join(', ')}.`,
    };
  },
};
