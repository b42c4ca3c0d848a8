// Is the caller's browser one the event pages support? Judged by the same table and
// parser the pages use.
import type { Check } from '../runbook.ts';

export const browserCheck: Check = {
  id: 'browser',
  title: "The caller's browser",
  async run({ answers }) {
    if (!answers.userAgent) return { check: 'browser', verdict: 'warn', summary: 'Browser not checked: ask which browser and version the caller uses (or pass --user-agent).', evidence: [] };
    const { identifyBrowser, isSupported } = await import('../../platform/pages/browser-support.ts');
    const browser = identifyBrowser(answers.userAgent);
    if (!browser) return { check: 'browser', verdict: 'warn', summary: 'The User-Agent is not a browser the pages recognise.', evidence: [answers.userAgent.slice(0, 200)] };
    const supported = isSupported(browser);
    const name = `${browser.name}${Number.isFinite(browser.major) ? ` ${browser.major}` : ''}${browser.os ? ` on ${browser.os}` : ''}`;
    return {
      check: 'browser',
      verdict: supported ? 'ok' : 'fail',
      summary: supported ? `${name} is supported.` : `${name} is not supported by the event pages.`,
      evidence: [answers.userAgent.slice(0, 200)],
    };
  },
};
