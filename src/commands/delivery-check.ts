// After an action that emails a person (and in `t1 status`): reads their recent mail log
// and says what went wrong with delivery, if anything. Checking never fails the command.
import type { SentEmail } from '../contract/schemas.ts';
import type { Deps } from '../cli/deps.ts';
import { DELIVERY_LIMIT, deliveryWarnings, type DeliveryWarningOptions } from '../cli/delivery-warnings.ts';
import type { Output } from '../cli/render/output.ts';

/** The person's delivery warnings; none when the mail log cannot be read. */
export async function fetchDeliveryWarnings(deps: Deps, userRef: string, options: DeliveryWarningOptions = {}): Promise<string[]> {
  try {
    const page = await (await deps.client()).emailLog(userRef, { limit: DELIVERY_LIMIT });
    return deliveryWarnings(page.items, deps.now(), options);
  } catch (error) {
    if (deps.flags.verbose) deps.output.notice(`Could not check the recent emails to ${userRef}: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
}

// Warnings waiting for an action's render(), kept off the view so --json stays the result.
const pending = new WeakMap<object, string[]>();

/**
 * Checks the person's recent mail after `sent` went out. With --json the warnings go to
 * stderr at once (nothing renders); otherwise render() prints them after the result.
 * A mail just "kept by the platform" was already said to be captured: not repeated.
 */
export async function checkDeliveryAfter<V extends object>(deps: Deps, view: V, userRef: string, sent: SentEmail | null | undefined): Promise<V> {
  if (!sent) return view;
  const warnings = await fetchDeliveryWarnings(deps, userRef, { capturedAlreadyTold: sent.delivery === 'captured' });
  if (deps.flags.json) printWarnings(warnings, deps.output);
  else pending.set(view, warnings);
  return view;
}

/** Prints (on stderr) the warnings checkDeliveryAfter found for this view, if any. */
export function printDeliveryWarnings(view: object, out: Output): void {
  printWarnings(pending.get(view) ?? [], out);
}

function printWarnings(warnings: string[], out: Output): void {
  for (const warning of warnings) out.notice(out.style.red(`! ${warning}`));
}
