// Form fields with their labels and errors tied together (aria-describedby), so screen
// readers announce what is wrong where it is wrong.
import { html, type SafeHtml } from './html.ts';

export type FieldErrors = Record<string, string>;

export interface FieldOptions {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password';
  value?: string;
  required?: boolean;
  autocomplete?: string;
  errors?: FieldErrors;
  inputmode?: string;
}

export function field(options: FieldOptions): SafeHtml {
  const id = `f-${options.name}`;
  const error = options.errors?.[options.name];
  return html`<label for="${id}">${options.label}${options.required ? html` <span class="required" aria-hidden="true">*</span>` : ''}</label>
<input id="${id}" name="${options.name}" type="${options.type ?? 'text'}"${options.value !== undefined && options.type !== 'password' ? html` value="${options.value}"` : ''}${options.required ? html` required aria-required="true"` : ''}${options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''}${options.inputmode ? html` inputmode="${options.inputmode}"` : ''}${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>
${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}`;
}

export function checkbox(options: { name: string; label: SafeHtml | string; checked?: boolean; errors?: FieldErrors; required?: boolean }): SafeHtml {
  const id = `f-${options.name}`;
  const error = options.errors?.[options.name];
  return html`<label class="checkbox" for="${id}"><input id="${id}" name="${options.name}" type="checkbox" value="yes"${options.checked ? ' checked' : ''}${options.required ? html` aria-required="true"` : ''}${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}> <span>${options.label}</span></label>
${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}`;
}

/** A summary at the top of a form that failed, each message linking to its field. */
export function errorSummary(errors: FieldErrors | undefined): SafeHtml | string {
  const entries = Object.entries(errors ?? {});
  if (entries.length === 0) return '';
  return html`<div class="error-summary" role="alert" tabindex="-1"><p><strong>Please correct the following:</strong></p><ul>${entries.map(
    ([name, message]) => html`<li><a href="#f-${name}">${message}</a></li>`,
  )}</ul></div>`;
}

export function form(action: string, csrf: string, content: SafeHtml, submit: string): SafeHtml {
  return html`<form method="post" action="${action}" novalidate>
<input type="hidden" name="csrf" value="${csrf}">
${content}
<button type="submit">${submit}</button>
</form>`;
}
