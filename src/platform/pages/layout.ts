// The page shell every end-user page shares: landmarks, a skip link, readable styles
// (no external resources), and room for a notice such as the unsupported-browser one.
import { html, trusted, type SafeHtml } from './html.ts';

export interface PageOptions {
  title: string;
  /** Shown above the main heading, e.g. the event's title. */
  context?: string;
  body: SafeHtml;
  notice?: SafeHtml | null;
}

const STYLES = `
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; background: #f4f5f7; color: #1b1d21; line-height: 1.5; }
  .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; }
  header, main, footer { max-width: 36rem; margin: 0 auto; padding: 1rem 1.25rem; }
  header p { margin: 0; color: #3d4350; font-weight: 600; }
  main { background: #fff; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.6rem; margin-top: .25rem; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  input[type=text], input[type=email], input[type=password], select {
    display: block; width: 100%; box-sizing: border-box; padding: .6rem; margin-top: .25rem;
    border: 1px solid #6b7280; border-radius: 4px; font-size: 1rem; }
  input[aria-invalid=true] { border-color: #b00020; }
  .field-error { color: #b00020; margin: .25rem 0 0; }
  .required { color: #b00020; }
  .checkbox { display: flex; gap: .5rem; align-items: flex-start; font-weight: normal; }
  .checkbox input { margin-top: .35rem; }
  button, .button { display: inline-block; margin-top: 1.25rem; padding: .7rem 1.4rem; border: 0; border-radius: 4px;
    background: #1d4ed8; color: #fff; font-size: 1rem; font-weight: 600; text-decoration: none; cursor: pointer; }
  button:focus, .button:focus, input:focus, a:focus { outline: 3px solid #f59e0b; outline-offset: 2px; }
  .secondary { background: #374151; }
  .notice { border-left: 4px solid #b45309; background: #fffbeb; padding: .75rem 1rem; }
  .error-summary { border-left: 4px solid #b00020; background: #fdecee; padding: .75rem 1rem; }
  .codes { font-family: ui-monospace, monospace; font-size: 1.1rem; columns: 2; }
  .setup-key { font-family: ui-monospace, monospace; font-size: 1.2rem; letter-spacing: .05em; }
  .qr svg { width: 220px; height: 220px; }
  footer { color: #4b5563; font-size: .875rem; }
`;

export function layout(options: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title}${options.context ? ` · ${options.context}` : ''}</title>
<style>${trusted(STYLES)}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>${options.context ? html`<p>${options.context}</p>` : ''}</header>
<main id="main">
${options.notice ?? ''}
<h1>${options.title}</h1>
${options.body}
</main>
<footer><p>Virtual events platform</p></footer>
</body>
</html>`.value;
}
