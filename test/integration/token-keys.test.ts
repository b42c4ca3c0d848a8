// How tokens are stored: under what comes before their random characters (a prefix and
// when the token was made) and the SHA-256 digest of the whole, so tokens sort by
// creation in the unique index. Tokens stored under the bare digest, as the platform did
// before, keep working: API tokens, login links, sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, tokenKey } from '../../src/platform/clock.ts';
import { DEMO_EVENT_SLUGS, DEMO_ORG_ID } from '../../src/platform/seed/demo.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import { runT1 } from '../helpers/cli.ts';
import { Browser, headingOf, textOf } from '../helpers/browserless.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const LIVE = DEMO_EVENT_SLUGS.live;
const PERSON = 'arjun.patel@litware.example';

let tp: TestPlatform;
const db = () => tp.platform.ctx.db;

beforeAll(async () => {
  tp = await startTestPlatform();
});
afterAll(async () => {
  await tp?.close();
});

async function apiToken(name: string) {
  return issueApiToken(db(), tp.platform.ctx, { orgId: DEMO_ORG_ID, role: 'agent', name, createdBy: 'test' });
}

async function storedKey(id: string): Promise<string> {
  return (await db().selectFrom('tokens').select('hash').where('id', '=', id).executeTakeFirstOrThrow()).hash;
}

describe('token keys', () => {
  it('keeps the token\'s public lead and its digest, and nothing of the secret part', async () => {
    const { id, token } = await apiToken('lead');
    expect(token).toMatch(/^t1_[0-9a-z]{9}[A-Za-z0-9_-]{34}$/);
    const key = await storedKey(id);
    expect(key).toBe(`${token.slice(0, 12)}.${hashToken(token)}`);
    expect(key).not.toContain(token.slice(12, 20));
    const row = await db().selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(Object.values(row).some((value) => typeof value === 'string' && value.includes(token.slice(12)))).toBe(false);
  });

  it('sorts the keys of tokens in the order they were made', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push((await apiToken(`order ${i}`)).id);
      await new Promise((done) => setTimeout(done, 3));
    }
    const keys = await Promise.all(ids.map(storedKey));
    expect([...keys].sort()).toEqual(keys);
  });
});

describe('tokens stored under the bare digest', () => {
  it('still open the API', async () => {
    const { id, token } = await apiToken('older');
    await db().updateTable('tokens').set({ hash: hashToken(token) }).where('id', '=', id).execute();
    const found = await runT1(['--json', 'users', 'find', 'arjun'], { env: { ...tp.env('agent'), T1_TOKEN: token } });
    expect(found.exitCode).toBe(0);
    expect(found.stdout).toContain(PERSON);
  });

  it('still sign a person in by login link, once, and keep the session it gives', async () => {
    const printed = await runT1(['magic-link', 'create', PERSON, '--event', LIVE, '--yes'], { env: tp.env('agent') });
    expect(printed.exitCode).toBe(0);
    const link = /https?:\/\/\S+\/login-link\/[A-Za-z0-9_-]+/.exec(printed.stdout)![0];
    const token = new URL(link).pathname.split('/').at(-1)!;
    const updated = await db().updateTable('tokens').set({ hash: hashToken(token) }).where('hash', '=', tokenKey(token)).executeTakeFirst();
    expect(Number(updated.numUpdatedRows)).toBe(1);

    const browser = new Browser(tp.url);
    const page = await browser.get(`${tp.url}${new URL(link).pathname}`);
    expect(page.status).toBe(200);
    expect(headingOf(page.body)).toBe('Log in');
    const posted = await browser.submit(page);
    expect(posted.status).toBe(303);
    const session = posted.setCookies.t1_session!;
    await db().updateTable('tokens').set({ hash: hashToken(session) }).where('hash', '=', tokenKey(session)).execute();
    const site = await browser.follow(posted);
    expect(textOf(site.body)).toContain('Welcome, Arjun.');

    const again = await new Browser(tp.url).get(`${tp.url}${new URL(link).pathname}`);
    expect(textOf(again.body)).toContain('This link was already used');
  });
});
