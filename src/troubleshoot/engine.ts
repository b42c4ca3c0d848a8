// Runs a runbook: the checks in order (each reported as it finishes), then the outcome
// the runbook draws from what they found. The same on a terminal and off it; only the
// command around it prompts.
import type { Answers, CheckContext, Finding, Outcome, Runbook } from './runbook.ts';
import type { PlatformFacts } from './facts.ts';

export interface RunReport {
  topic: { id: string; title: string };
  answers: Answers;
  findings: Finding[];
  outcome: Outcome;
}

export interface RunOptions {
  answers: Answers;
  facts: PlatformFacts;
  now: Date;
  /** Told each finding as its check ends (checks that do not apply are skipped). */
  onFinding?: (finding: Finding) => void;
}

export async function runRunbook(runbook: Runbook, options: RunOptions): Promise<RunReport> {
  const context: CheckContext = { answers: options.answers, facts: options.facts, now: options.now };
  const findings: Finding[] = [];
  for (const check of runbook.checks) {
    const found = await check.run(context);
    if (!found) continue;
    findings.push(found);
    options.onFinding?.(found);
  }
  return {
    topic: { id: runbook.id, title: runbook.title },
    answers: options.answers,
    findings,
    outcome: await runbook.conclude(context, findings),
  };
}

/** Runbooks whose title or caller phrases contain every word of the search, best first. */
export function searchRunbooks(runbooks: readonly Runbook[], text: string): Runbook[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...runbooks];
  const scored = runbooks.map((runbook) => {
    const title = runbook.title.toLowerCase();
    const phrases = runbook.phrases.join(' \n ').toLowerCase();
    const matches = words.filter((w) => title.includes(w) || phrases.includes(w) || runbook.id.includes(w)).length;
    return { runbook, score: matches === words.length ? matches + words.filter((w) => title.includes(w)).length : 0 };
  });
  return scored.filter((s) => s.score > 0).sort((a, b) => b.score - a.score).map((s) => s.runbook);
}
