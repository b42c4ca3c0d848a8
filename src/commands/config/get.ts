// t1 config get <key>: the value in effect and where it comes from.
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import { configKey } from './keys.ts';

export interface Options {
  key: string;
}

export interface View {
  key: string;
  value: string | null;
  source: string | null;
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const key = configKey(options.key);
  const setting = key.effective(await deps.settings());
  return { key: key.name, value: setting?.value ?? null, source: setting?.source ?? null };
}

export function render(view: View, out: Output): void {
  if (view.value === null) {
    out.notice(`${view.key} is not set.`);
    return;
  }
  out.line(view.value);
  if (out.tty) out.hint(`(from ${view.source})`);
}
