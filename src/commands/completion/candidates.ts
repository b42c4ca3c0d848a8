// What fits the word being completed, read from the command tree itself (the same
// commander objects help prints), so completion never lists a command or flag that
// does not exist. Event slugs are the only thing the tree cannot know: it says where
// they fit and the caller asks the platform.
import type { Argument, Command as Commander, Option } from 'commander';
import { HELP_TOPICS } from '../help/topics.ts';

export interface Candidate {
  value: string;
  description: string;
}

export interface Completion {
  /** Candidates from the tree, already matching the word. */
  candidates: Candidate[];
  /** The word is an event (an --event value or an <event> argument): slugs starting with `word` fit. */
  wantsEvents: boolean;
  /** The part of the word a candidate must start with (after "--option=" when typed as one word). */
  word: string;
  /** Put before each value: "--option=" when the value was typed in the same word. */
  lead: string;
  /** Values of the root's options typed so far (by attribute name), e.g. { profile: 'staging' }. */
  globals: Record<string, string>;
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

function subcommands(command: Commander): Commander[] {
  return command.createHelp().visibleCommands(command);
}

function findSubcommand(command: Commander, word: string): Commander | undefined {
  return subcommands(command).find((sub) => sub.name() === word || sub.aliases().includes(word));
}

/** The options a command accepts: its own, then those of every command above it (global options). */
function acceptedOptions(command: Commander): Option[] {
  const options = command.createHelp().visibleOptions(command);
  for (let parent = command.parent; parent; parent = parent.parent) options.push(...parent.options.filter((o) => !o.hidden));
  return options;
}

const takesValue = (option: Option) => option.required || option.optional;
const isEventOption = (option: Option) => option.attributeName() === 'event';

function argumentAt(command: Commander, index: number): Argument | undefined {
  const args = command.registeredArguments;
  const last = args.at(-1);
  return args[index] ?? (last?.variadic ? last : undefined);
}

/**
 * Bash splits "--status=re" into "--status", "=", "re" (COMP_WORDBREAKS); zsh and fish
 * keep one word. Joins the split form back, and says whether the word being completed was
 * split, since bash then replaces only the part after "=".
 */
function joinEquals(words: string[]): { words: string[]; split: boolean } {
  const joined: string[] = [];
  let split = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const isLast = (index: number) => index === words.length - 1;
    if (word.startsWith('--') && words[i + 1] === '=') {
      const value = words[i + 2];
      if (isLast(i + 1) || (value !== undefined && isLast(i + 2))) split = true;
      joined.push(`${word}=${value ?? ''}`);
      i += value === undefined ? 1 : 2;
    } else joined.push(word);
  }
  return { words: joined, split };
}

function matching(candidates: Candidate[], word: string): Candidate[] {
  return candidates.filter((c) => c.value.startsWith(word));
}

function valuesOf(option: Option | Argument): Candidate[] {
  return (option.argChoices ?? []).map((value) => ({ value, description: '' }));
}

function optionCandidates(command: Commander): Candidate[] {
  return acceptedOptions(command).flatMap((o) => {
    const flag = o.long ?? o.short;
    return flag ? [{ value: flag, description: oneLine(o.description) }] : [];
  });
}

function commandCandidates(command: Commander): Candidate[] {
  return subcommands(command).map((sub) => ({ value: sub.name(), description: oneLine(sub.description()) }));
}

/** `words`: what follows "t1" on the command line, the last one being the word under the cursor (maybe empty). */
export function complete(root: Commander, words: string[]): Completion {
  const joined = joinEquals(words.length === 0 ? [''] : words);
  const split = joined.split;
  const before = joined.words.slice(0, -1);
  const current = joined.words.at(-1)!;

  let command = root;
  const positionals: string[] = [];
  const globals: Record<string, string> = {};
  let pending: Option | undefined;
  let literal = false;
  for (const word of before) {
    if (pending) {
      const optionalSkipped = pending.optional && word.startsWith('-');
      if (!optionalSkipped && root.options.includes(pending)) globals[pending.attributeName()] = word;
      pending = undefined;
      if (!optionalSkipped) continue;
    }
    if (!literal && word === '--') {
      literal = true;
    } else if (!literal && word.length > 1 && word.startsWith('-')) {
      const [flag, value] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
      const option = acceptedOptions(command).find((o) => o.long === flag || o.short === flag);
      if (option && takesValue(option)) {
        if (value === undefined) pending = option;
        else if (root.options.includes(option)) globals[option.attributeName()] = value;
      }
    } else {
      const sub = positionals.length === 0 && command.name() !== 'help' ? findSubcommand(command, word) : undefined;
      if (sub) command = sub;
      else positionals.push(word);
    }
  }

  const none = { candidates: [], wantsEvents: false, word: current, lead: '', globals };
  // --option=value typed as one word.
  const equals = /^(--[^=]+)=(.*)$/.exec(current);
  if (!literal && equals) {
    const option = acceptedOptions(command).find((o) => o.long === equals[1]);
    if (!option || !takesValue(option)) return none;
    const word = equals[2]!;
    return { ...none, candidates: matching(valuesOf(option), word), wantsEvents: isEventOption(option), word, lead: split ? '' : `${equals[1]}=` };
  }
  if (pending && !(pending.optional && current.startsWith('-'))) {
    return { ...none, candidates: matching(valuesOf(pending), current), wantsEvents: isEventOption(pending) };
  }
  if (!literal && current.startsWith('-')) return { ...none, candidates: matching(optionCandidates(command), current) };

  // "t1 help users f": the words after help are a command path.
  if (command.name() === 'help' && command.parent) {
    let target = command.parent;
    for (const word of positionals) {
      const next = findSubcommand(target, word);
      if (!next) return none;
      target = next;
    }
    const topics = target === root && positionals.length === 0 ? HELP_TOPICS.map((t) => ({ value: t.name, description: t.summary })) : [];
    const paths = commandCandidates(target).filter((c) => c.value !== 'help');
    return { ...none, candidates: matching([...paths, ...topics], current) };
  }
  if (positionals.length === 0 && subcommands(command).length > 0) {
    return { ...none, candidates: matching(commandCandidates(command), current) };
  }
  const argument = argumentAt(command, positionals.length);
  if (!argument) return none;
  return { ...none, candidates: matching(valuesOf(argument), current), wantsEvents: argument.name() === 'event' };
}
