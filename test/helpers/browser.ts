// A real Chromium (Debian's package) driven by playwright-core, for the end-user pages,
// and an accessibility check with axe-core run inside each visited page.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page, type Response } from 'playwright-core';
import { describe } from 'vitest';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM_PATH);

let warned = false;
/**
 * `describe` when Chromium is installed, otherwise `describe.skip` with a note saying
 * why (CI installs the package; locally: apt-get install chromium).
 */
export function describeBrowser(name: string, body: () => void): void {
  if (!chromiumAvailable) {
    if (!warned) {
      warned = true;
      process.stderr.write(`\n[browser tests] SKIPPED: ${CHROMIUM_PATH} does not exist. Install Debian's "chromium" package to run them (CI does).\n\n`);
    }
    describe.skip(name, body);
    return;
  }
  describe(name, body);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh browser profile (cookies and all). CSP is bypassed only so axe can be injected. */
export function newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ bypassCSP: true, locale: 'en-GB', ...options });
}

let axeSource: string | undefined;
function axe(): string {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: unknown; html: string; failureSummary?: string }[];
}

/** Runs axe-core on the page; fails on any serious or critical violation (printed). */
export async function expectAccessible(page: Page): Promise<void> {
  const loaded = await page.evaluate('typeof globalThis.axe !== "undefined"');
  if (!loaded) await page.addScriptTag({ content: axe() });
  const violations = (await page.evaluate(`globalThis.axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, failureSummary: n.failureSummary })) })))`)) as AxeViolation[];
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (serious.length === 0) return;
  const report = serious
    .map(
      (v) =>
        `- [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
        v.nodes.map((n) => `    at ${JSON.stringify(n.target)}: ${n.html}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`).join('\n'),
    )
    .join('\n');
  process.stderr.write(`\naxe violations on ${page.url()}:\n${report}\n`);
  throw new Error(`${serious.length} serious accessibility violation(s) on ${page.url()}:\n${report}`);
}

/** Opens a URL and checks the page's accessibility; returns the response. */
export async function visit(page: Page, url: string): Promise<Response> {
  const response = await page.goto(url, { waitUntil: 'load' });
  if (!response) throw new Error(`No response for ${url}`);
  await expectAccessible(page);
  return response;
}

/**
 * Clicks something that navigates (a submit button, a link), waits for the page it
 * leads to (after any redirects) and checks that page's accessibility.
 */
export async function clickThrough(page: Page, target: Locator): Promise<Response> {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), target.click()]);
  if (!response) throw new Error(`Clicking did not load a page (still at ${page.url()}).`);
  await expectAccessible(page);
  return response;
}

/** Presses the page's submit button with this exact text. */
export function pressButton(page: Page, name: string): Promise<Response> {
  return clickThrough(page, page.getByRole('button', { name, exact: true }));
}

/** Follows the link with this exact text. */
export function followLink(page: Page, name: string): Promise<Response> {
  return clickThrough(page, page.getByRole('link', { name, exact: true }));
}

/** The page's main heading. */
export async function heading(page: Page): Promise<string> {
  return ((await page.locator('h1').textContent()) ?? '').trim();
}

/** Visible text of the main region, spaces collapsed. */
export async function mainText(page: Page): Promise<string> {
  return ((await page.locator('main').innerText()) ?? '').replace(/\s+/g, ' ').trim();
}
