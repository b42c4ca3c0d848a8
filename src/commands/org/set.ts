// t1 org set <setting> <value...> (admin): changes an organisation setting.
//   mfa-policy off|staff|everyone, ticket-required yes|no,
//   identity-checklist "question" ["question" ...] (or "none"), mfa-methods app|app,sms.
import { MFA_POLICIES, type MfaPolicy } from '../../contract/vocabulary.ts';
import { MFA_METHODS, type MfaMethod } from '../../contract/mfa-methods.ts';
import type { OrganisationSettings, UpdateOrganisationBody } from '../../contract/schemas.ts';
import type { Deps } from '../../cli/deps.ts';
import { usageError } from '../../cli/errors.ts';
import type { Output } from '../../cli/render/output.ts';
import { actionContext, confirmAction, newIdempotencyKey, type ActionFlags } from '../support.ts';
import { render as renderSettings } from './show.ts';

export interface Options extends ActionFlags {
  setting: string;
  values: string[];
}

export type View = OrganisationSettings;

export const ORG_SETTINGS = ['mfa-policy', 'ticket-required', 'identity-checklist', 'mfa-methods'] as const;

function change(setting: string, values: string[]): UpdateOrganisationBody {
  const single = () => {
    if (values.length !== 1) throw usageError(`${setting} takes one value.`);
    return values[0]!.toLowerCase();
  };
  switch (setting) {
    case 'mfa-policy': {
      const value = single();
      if (!(MFA_POLICIES as readonly string[]).includes(value)) throw usageError(`mfa-policy is one of ${MFA_POLICIES.join(', ')}, not "${value}".`);
      return { mfaPolicy: value as MfaPolicy };
    }
    case 'ticket-required': {
      const value = single();
      if (!['yes', 'no'].includes(value)) throw usageError(`ticket-required is yes or no, not "${value}".`);
      return { ticketRequired: value === 'yes' };
    }
    case 'identity-checklist':
      return { identityChecklist: values.length === 1 && values[0]!.toLowerCase() === 'none' ? [] : values };
    case 'mfa-methods': {
      // "app,sms" or "app sms": one list either way.
      const methods = values.flatMap((v) => v.toLowerCase().split(',')).map((m) => m.trim()).filter((m) => m !== '');
      const unknown = methods.find((m) => !(MFA_METHODS as readonly string[]).includes(m));
      if (unknown !== undefined) throw usageError(`mfa-methods takes ${MFA_METHODS.join(', ')}, not "${unknown}".`, 'Example: t1 org set mfa-methods app,sms');
      if (!methods.includes('app')) throw usageError('The authenticator app is always allowed: mfa-methods must include app.', 'Example: t1 org set mfa-methods app,sms');
      return { mfaMethods: [...new Set(methods)] as MfaMethod[] };
    }
    default:
      throw usageError(`Unknown setting "${setting}".`, `Settings: ${ORG_SETTINGS.join(', ')}.`);
  }
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const body = change(options.setting, options.values);
  await confirmAction(deps, options, `Change ${options.setting} for the whole organisation?`);
  return (await deps.client()).updateOrganisation({ ...body, ...actionContext(options) }, newIdempotencyKey());
}

export function render(view: View, out: Output): void {
  renderSettings(view, out);
}
