// t1 troubleshoot [topic]: a runbook of the support guide, run against the platform.
// On a terminal with no topic, a searchable symptom picker; then the questions not given
// as flags, the checks as they run, the finding, the words for the caller, and a choice
// to run a fix (the usual confirmation and audit), escalate, or stop. With --no-input it
// runs the same runbook without prompts and prints the findings. "list" lists topics.
import type { Deps } from '../../cli/deps.ts';
import { notFoundError, usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { loadRunbooks } from '../../troubleshoot/catalog.ts';
import { runRunbook, searchRunbooks, type RunReport } from '../../troubleshoot/engine.ts';
import { platformFacts } from '../../troubleshoot/facts.ts';
import type { Answers, Finding, Runbook, Verdict } from '../../troubleshoot/runbook.ts';
import { editDistance } from '../../cli/edit-distance.ts';

export interface Options {
  topic?: string;
  email?: string;
  event?: string;
  userAgent?: string;
  answer: string[];
  reason?: string;
  ticket?: string;
}

export type View =
  | { kind: 'list'; topics: { id: string; title: string; group: string; phrases: string[] }[] }
  | ({ kind: 'report'; fixesRun: { command: string; exitCode: number }[] } & RunReport);

const MARKS: Record<Verdict, string> = { ok: '✓', warn: '!', fail: '✗' };

function parseAnswers(options: Options): Answers {
  const answers: Answers = {};
  for (const pair of options.answer) {
    const at = pair.indexOf('=');
    if (at <= 0) throw usageError(`--answer "${pair}" is not key=value.`, 'For example: --answer timezone=Europe/Paris');
    answers[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  if (options.email) answers.email = options.email.trim();
  if (options.event) answers.event = options.event.trim();
  if (options.userAgent) answers.userAgent = options.userAgent.trim();
  return answers;
}

async function pickTopic(runbooks: Runbook[], options: Options, deps: Deps): Promise<Runbook> {
  if (options.topic) {
    const found = runbooks.find((r) => r.id === options.topic);
    if (found) return found;
    const typo = runbooks.filter((r) => editDistance(r.id, options.topic!) <= Math.max(2, Math.floor(r.id.length / 5)));
    const close = (typo.length > 0 ? typo : searchRunbooks(runbooks, options.topic.replaceAll('-', ' '))).slice(0, 3);
    throw notFoundError(
      `There is no troubleshooting topic "${options.topic}".`,
      close.length > 0 ? `Did you mean ${close.map((r) => r.id).join(', ')}? See them all with "t1 troubleshoot list".` : 'See them all with "t1 troubleshoot list".',
    );
  }
  if (!deps.output.settings.interactive) throw usageError('Name a topic, or run on a terminal to pick one.', 'See the topics with "t1 troubleshoot list".');
  const id = await deps.prompter().search('What does the caller say?', (term) =>
    searchRunbooks(runbooks, term ?? '').map((r) => ({ name: r.title, value: r.id, description: r.phrases[0] })),
  );
  return runbooks.find((r) => r.id === id)!;
}

async function askQuestions(runbook: Runbook, answers: Answers, deps: Deps): Promise<void> {
  for (const question of runbook.questions) {
    if (answers[question.key]) continue;
    if (!deps.output.settings.interactive) {
      if (question.optional) continue;
      throw usageError(`"${runbook.id}" needs ${question.flag}.`, `Pass ${question.flag} (or --answer ${question.key}=...), or run on a terminal to be asked.`);
    }
    const value = question.choices
      ? await deps.prompter().select(question.prompt, question.choices)
      : await deps.prompter().input(question.prompt, `pass ${question.flag}`, { optional: question.optional });
    if (value.trim()) answers[question.key] = value.trim();
  }
}

function showFinding(out: Output, finding: Finding): void {
  const mark = MARKS[finding.verdict];
  const styled = finding.verdict === 'ok' ? out.style.green(mark) : finding.verdict === 'warn' ? out.style.yellow(mark) : out.style.red(mark);
  out.line(`${styled} ${finding.summary}`);
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const runbooks = await loadRunbooks();
  if (options.topic === 'list') {
    return { kind: 'list', topics: runbooks.map((r) => ({ id: r.id, title: r.title, group: r.group, phrases: r.phrases })) };
  }
  const runbook = await pickTopic(runbooks, options, deps);
  const answers = parseAnswers(options);
  await askQuestions(runbook, answers, deps);
  const live = deps.output.settings.interactive && !deps.flags.json;
  if (live) deps.output.heading(runbook.title);
  const report = await runRunbook(runbook, {
    answers,
    facts: platformFacts(await deps.client()),
    now: deps.now(),
    onFinding: live ? (f) => showFinding(deps.output, f) : undefined,
  });
  const view: View = { kind: 'report', ...report, fixesRun: [] };
  if (live) await offerFixes(view, options, deps);
  return view;
}

async function offerFixes(view: Extract<View, { kind: 'report' }>, options: Options, deps: Deps): Promise<void> {
  const out = deps.output;
  renderOutcome(view, out);
  const { outcome } = view;
  if (outcome.fixes.length === 0 && !outcome.escalate) return;
  let ticket = options.ticket;
  for (;;) {
    const choice = await deps.prompter().select('What next?', [
      ...outcome.fixes.map((fix, i) => ({ name: `Run: ${fix.label}`, value: String(i), description: `t1 ${fix.argv.join(' ')}` })),
      { name: 'Escalate to tier two', value: 'escalate', description: 'the packet for the ticket' },
      { name: 'Stop here', value: 'stop' },
    ]);
    if (choice === 'stop') return;
    if (choice === 'escalate') {
      await escalate(view, ticket, deps);
      return;
    }
    const fix = outcome.fixes[Number(choice)]!;
    ticket ??= (await deps.prompter().input('Ticket id (empty for none)', 'pass --ticket', { optional: true })).trim() || undefined;
    const filled = await fillAsked(fix.argv, view.answers, deps);
    if (!filled) continue;
    const argv = [...filled, '--reason', options.reason ?? `troubleshoot: ${view.topic.title}`, ...(ticket ? ['--ticket', ticket] : [])];
    const exitCode = await deps.runLine(argv);
    view.fixesRun.push({ command: `t1 ${argv.join(' ')}`, exitCode });
    out.line();
  }
}

/** Ends the wizard with the packet for tier two: the person, the topic's findings and what was tried. */
async function escalate(view: Extract<View, { kind: 'report' }>, known: string | undefined, deps: Deps): Promise<void> {
  const { email, event, userAgent } = view.answers;
  if (!email) {
    deps.output.line(`Escalate with the ticket, the topic (${view.topic.id}) and what the caller described; there is no email to build the packet from.`);
    return;
  }
  const ticket = known ?? view.answers.ticket ?? (await deps.prompter().input('Ticket id for tier two', 'pass --ticket'));
  const tried = view.fixesRun.map((f) => `${f.command} (exit ${f.exitCode})`).join('; ');
  // The escalation topic asks which topic was tried: that one's findings go in the packet.
  const topic = view.answers.topic || view.topic.id;
  const argv = ['escalate', email, '--ticket', ticket, '--topic', topic, ...(event ? ['--event', event] : []), ...(userAgent ? ['--user-agent', userAgent] : []), ...(tried ? ['--note', `Tried from the wizard: ${tried}`] : [])];
  deps.output.line();
  const exitCode = await deps.runLine(argv);
  if (exitCode !== 0) deps.output.notice(`The packet could not be built (exit ${exitCode}); escalate with the ticket, the topic (${topic}) and what the caller described.`);
}

/**
 * A fix argument "{ask:key}" is an answer only the caller can give once an earlier fix
 * ran (e.g. the code an emailed message holds): taken from --answer key=..., else asked
 * just before the fix runs. Null when the agent leaves it empty (the fix is not run).
 */
async function fillAsked(argv: string[], answers: Answers, deps: Deps): Promise<string[] | null> {
  const filled: string[] = [];
  for (const arg of argv) {
    const key = /^\{ask:(\w+)\}$/.exec(arg)?.[1];
    const value = key ? (answers[key] ?? (await deps.prompter().input(`What the caller reads back (${key})`, `pass --answer ${key}=...`, { optional: true })).trim()) : arg;
    if (!value) return null;
    filled.push(value);
  }
  return filled;
}

function renderOutcome(view: Extract<View, { kind: 'report' }>, out: Output): void {
  const { outcome } = view;
  out.line();
  out.line(`${out.style.bold('What this means:')} ${outcome.explain}`);
  out.line();
  out.line(`${out.style.bold('Tell the caller:')} ${outcome.tell}`);
  if (outcome.fixes.length > 0) {
    out.line();
    out.line(out.style.bold('Fix:'));
    for (const fix of outcome.fixes) out.line(`  ${fix.label}: $ t1 ${fix.argv.map(quote).join(' ')}`);
  }
  if (outcome.escalate) {
    out.line();
    out.line(`${out.style.bold('Escalate:')} ${outcome.escalate}`);
  }
}

function quote(arg: string): string {
  const asked = /^\{ask:(\w+)\}$/.exec(arg)?.[1];
  if (asked) return `<${asked}>`;
  return /^[\w@.:/=,+-]+$/.test(arg) ? arg : `"${arg.replaceAll('"', '\\"')}"`;
}

export async function render(view: View, out: Output): Promise<void> {
  if (view.kind === 'list') {
    await out.table(['Topic', 'Group', 'Title'], view.topics.map((t) => [t.id, t.group, t.title]));
    return;
  }
  // On a terminal the findings and outcome were shown as the run went.
  if (out.settings.interactive) return;
  out.heading(view.topic.title);
  for (const f of view.findings) out.line(`${MARKS[f.verdict]} ${f.summary}`);
  renderOutcome(view, out);
}

