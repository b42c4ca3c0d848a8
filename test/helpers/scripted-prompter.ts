// A prompter that answers from a script, in order, and records every question: for
// running interactive flows (the troubleshooting wizard, the menu) in-process.
import type { Prompter, SearchChoice } from '../../src/cli/prompter.ts';

export type ScriptedAnswer =
  | { input: string }
  | { confirm: boolean }
  /** Picks the first choice whose value (or name) matches. */
  | { select: string | RegExp }
  /** Types the term, then picks the first result whose value (or name) matches. */
  | { search: string; pick: string | RegExp };

export interface ScriptedPrompter extends Prompter {
  asked: string[];
  /** Answers not used yet. */
  left(): number;
}

function matches(choice: { name: string; value: string }, want: string | RegExp): boolean {
  return typeof want === 'string' ? choice.value === want || choice.name === want : want.test(choice.value) || want.test(choice.name);
}

export function scriptedPrompter(script: ScriptedAnswer[]): ScriptedPrompter {
  const queue = [...script];
  const asked: string[] = [];
  const next = <K extends string>(message: string, kind: K): Extract<ScriptedAnswer, Record<K, unknown>> => {
    asked.push(message);
    const answer = queue.shift();
    if (!answer || !(kind in answer)) throw new Error(`Unexpected ${kind} prompt "${message}"; the script had ${answer ? JSON.stringify(answer) : 'nothing left'}`);
    return answer as Extract<ScriptedAnswer, Record<K, unknown>>;
  };
  return {
    asked,
    left: () => queue.length,
    async input(message) {
      return next(message, 'input').input;
    },
    async password(message) {
      return next(message, 'input').input;
    },
    async confirm(message) {
      return next(message, 'confirm').confirm;
    },
    async select<T extends string>(message: string, choices: { name: string; value: T }[]): Promise<T> {
      const want = next(message, 'select').select;
      const choice = choices.find((c) => matches(c, want));
      if (!choice) throw new Error(`No choice matches ${String(want)} in "${message}": ${choices.map((c) => c.name).join(' | ')}`);
      return choice.value;
    },
    async search<T extends string>(message: string, source: (term: string | undefined) => SearchChoice<T>[]): Promise<T> {
      const answer = next(message, 'search');
      const choice = source(answer.search).find((c) => matches(c, answer.pick));
      if (!choice) throw new Error(`Searching "${answer.search}" found nothing matching ${String(answer.pick)}`);
      return choice.value;
    },
  };
}
