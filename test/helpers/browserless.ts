// A tiny browser without a browser: fetch with a cookie jar, redirects followed by hand
// (so a test sees each 303 and its cookies), and helpers to read a page's forms and
// post them with their hidden CSRF field, the way a person's browser would.

export interface PageResponse {
  status: number;
  url: string;
  /** Location header of a redirect, resolved against the request URL. */
  location: string | null;
  headers: Headers;
  body: string;
  /** Cookies set by this response (name -> value; '' when deleted). */
  setCookies: Record<string, string>;
}

export interface Form {
  action: string;
  method: string;
  fields: Record<string, string>;
}

const decode = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return match ? decode(match[1]!) : undefined;
}

/** Every <form> of a page with its action and the values of its inputs. */
export function formsOf(html: string): Form[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map(([, attrs, inner]) => {
    const fields: Record<string, string> = {};
    for (const [input] of inner!.matchAll(/<input\b[^>]*>/gi)) {
      const name = attribute(input, 'name');
      if (name) fields[name] = attribute(input, 'value') ?? '';
    }
    return { action: attribute(`<form${attrs}`, 'action') ?? '', method: (attribute(`<form${attrs}`, 'method') ?? 'get').toLowerCase(), fields };
  });
}

/** The text inside the element with this id (tags removed, entities decoded). */
export function elementText(html: string, id: string): string | null {
  const match = new RegExp(`<(\\w+)[^>]*\\sid="${id}"[^>]*>([\\s\\S]*?)</\\1>`, 'i').exec(html);
  return match ? decode(match[2]!.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim() : null;
}

/** The texts of the <li> items inside the element with this id. */
export function listItems(html: string, id: string): string[] {
  const match = new RegExp(`<(ul|ol)[^>]*\\sid="${id}"[^>]*>([\\s\\S]*?)</\\1>`, 'i').exec(html);
  if (!match) return [];
  return [...match[2]!.matchAll(/<li\b[^>]*>([\s\S]*?)<\/li>/gi)].map((m) => decode(m[1]!.replace(/<[^>]+>/g, '')).trim());
}

/** The page's <h1>, as a person reads it. */
export function headingOf(html: string): string {
  const match = /<h1\b[^>]*>([\s\S]*?)<\/h1>/i.exec(html);
  return match ? decode(match[1]!.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim() : '';
}

/** Visible text of a page: tags removed, entities decoded, spaces collapsed. */
export function textOf(html: string): string {
  return decode(
    html
      .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<svg\b[\s\S]*?<\/svg>/gi, ' ')
      .replace(/<[^>]+>/g, ' '),
  )
    .replace(/\s+/g, ' ')
    .trim();
}

export class Browser {
  readonly cookies = new Map<string, string>();
  readonly base: string;

  constructor(base: string) {
    this.base = base;
  }

  private absolute(url: string): string {
    return new URL(url, this.base).toString();
  }

  private cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private remember(response: Response): Record<string, string> {
    const set: Record<string, string> = {};
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attributes.some(
        (a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) <= Date.now()),
      );
      if (expired || value === '') {
        this.cookies.delete(name);
        set[name] = '';
      } else {
        this.cookies.set(name, value);
        set[name] = value;
      }
    }
    return set;
  }

  /** One request, no redirect following. */
  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<PageResponse> {
    const target = this.absolute(url);
    const headers: Record<string, string> = { 'user-agent': 't1-tests browserless' };
    const cookie = this.cookieHeader();
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const response = await fetch(target, { method, headers, body, redirect: 'manual' });
    const setCookies = this.remember(response);
    const location = response.headers.get('location');
    return {
      status: response.status,
      url: target,
      location: location ? new URL(location, target).toString() : null,
      headers: response.headers,
      body: await response.text(),
      setCookies,
    };
  }

  get(url: string): Promise<PageResponse> {
    return this.request('GET', url);
  }

  post(url: string, form: Record<string, string>): Promise<PageResponse> {
    return this.request('POST', url, form);
  }

  /** Follows redirects (GET after each, as browsers do after 303) up to `max` hops. */
  async follow(first: PageResponse, max = 5): Promise<PageResponse> {
    let response = first;
    for (let hop = 0; hop < max && response.location && response.status >= 300 && response.status < 400; hop += 1) {
      response = await this.get(response.location);
    }
    return response;
  }

  /**
   * Submits the form of `page` whose action matches `action` (the first form when
   * omitted), with its hidden fields (csrf) and these values.
   */
  async submit(page: PageResponse, values: Record<string, string> = {}, action?: string | RegExp): Promise<PageResponse> {
    const forms = formsOf(page.body);
    const form = forms.find((f) =>
      action === undefined ? true : typeof action === 'string' ? f.action === action : action.test(f.action),
    );
    if (!form) throw new Error(`No form${action ? ` posting to ${String(action)}` : ''} on ${page.url} (status ${page.status}).`);
    return this.post(new URL(form.action, page.url).toString(), { ...form.fields, ...values });
  }
}
