// A runbook is data plus small check functions, so support leads can read and extend
// one: what callers say (for the symptom search), what to ask, what to check against
// the platform, and, from what the checks found, what the agent learns, the words for
// the caller, the t1 commands that fix it and when to hand over to tier two.
import type { PlatformFacts } from './facts.ts';

export type Verdict = 'ok' | 'warn' | 'fail';

export const TOPIC_GROUPS = ['common', 'how-to', 'errors', 'two-factor', 'escalation'] as const;
export type TopicGroup = (typeof TOPIC_GROUPS)[number];

/** The answers a runbook works from: --email, --event, --user-agent and --answer key=value. */
export type Answers = Record<string, string>;

export interface Question {
  key: string;
  /** Asked on a terminal when the answer was not given as a flag. */
  prompt: string;
  /** What an agent passes instead of being asked, e.g. "--email <address>". */
  flag: string;
  /** For a choice: the values it may take. */
  choices?: { name: string; value: string }[];
  /** Skipped when missing instead of being a usage error. */
  optional?: boolean;
}

export interface Finding {
  check: string;
  verdict: Verdict;
  /** One line: what the check saw. */
  summary: string;
  /** The facts behind it (times, statuses, reasons) for the escalation packet. */
  evidence: string[];
}

export interface CheckContext {
  answers: Answers;
  facts: PlatformFacts;
  now: Date;
}

export interface Check {
  id: string;
  /** What the check looks at, shown while it runs. */
  title: string;
  run(context: CheckContext): Promise<Finding | null>;
}

export interface Fix {
  /** What it does, as offered to the agent. */
  label: string;
  /** The t1 command line, without "t1"; run with the usual confirmation and audit. */
  argv: string[];
}

export interface Outcome {
  /** What the agent learns. */
  explain: string;
  /** Plain words for the caller, to read aloud or paste into a reply. */
  tell: string;
  fixes: Fix[];
  /** When set: why tier two should take over. */
  escalate?: string;
}

export interface Runbook {
  id: string;
  title: string;
  group: TopicGroup;
  /** What callers say, for the symptom search. */
  phrases: string[];
  questions: Question[];
  checks: Check[];
  conclude(context: CheckContext, findings: Finding[]): Outcome | Promise<Outcome>;
}

/** The finding of a check that ran, by id. */
export function finding(findings: Finding[], check: string): Finding | undefined {
  return findings.find((f) => f.check === check);
}

export const EMAIL_QUESTION: Question = { key: 'email', prompt: "The caller's email address", flag: '--email <address>' };
export const EVENT_QUESTION: Question = { key: 'event', prompt: 'Which event (slug)?', flag: '--event <slug>' };
export const USER_AGENT_QUESTION: Question = {
  key: 'userAgent',
  prompt: "The caller's browser User-Agent (ask them to open whatismybrowser or their browser's About page; leave empty to skip)",
  flag: '--user-agent "<User-Agent>"',
  optional: true,
};
