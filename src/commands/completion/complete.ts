// t1 __complete -- <words>: what the shell completion scripts call on every Tab. Prints
// one candidate a line ("value<Tab>description"). Event slugs come from the platform only
// when one is configured and answers within a second; otherwise there are none, silently.
import type { Command as Commander } from 'commander';
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { checkedApiUrl, resolveSettings } from '../../cli/settings.ts';
import { complete, type Candidate } from './candidates.ts';

export interface Options {
  words: string[];
  root: Commander;
}

export interface View {
  candidates: Candidate[];
}

const EVENT_LOOKUP_TIMEOUT_MS = 1_000;
/** A slug the shell can take as one word; anything else the platform sends is left out. */
const SAFE_SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** `globals`: the --profile or --api-url typed on the line being completed, which the lookup follows. */
async function eventSlugs(deps: Deps, globals: Record<string, string>): Promise<string[]> {
  try {
    const settings = resolveSettings({ profile: globals.profile, apiUrl: globals.apiUrl }, deps.env, await deps.config());
    if (!settings.apiUrl || !settings.token) return [];
    const response = await fetch(`${checkedApiUrl(settings.apiUrl)}/v1/events?limit=200`, {
      headers: { authorization: `Bearer ${settings.token.value}`, accept: 'application/json', 'user-agent': 't1' },
      signal: AbortSignal.timeout(EVENT_LOOKUP_TIMEOUT_MS),
    });
    if (!response.ok) return [];
    const body = (await response.json()) as { items?: unknown };
    if (!Array.isArray(body.items)) return [];
    return body.items.flatMap((item: { slug?: unknown }) => (typeof item?.slug === 'string' && SAFE_SLUG.test(item.slug) ? [item.slug] : []));
  } catch {
    return [];
  }
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const found = complete(options.root, options.words);
  const candidates = [...found.candidates];
  if (found.wantsEvents) {
    for (const slug of await eventSlugs(deps, found.globals)) if (slug.startsWith(found.word)) candidates.push({ value: slug, description: '' });
  }
  return { candidates: candidates.map((c) => ({ ...c, value: found.lead + c.value })) };
}

export function render(view: View, out: Output): void {
  for (const c of view.candidates) out.line(c.description ? `${c.value}\t${c.description}` : c.value);
}
