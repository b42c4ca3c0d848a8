// The activity log read through `t1 users timeline`: a person with more entries than
// one API page (250 opens of a login link, many in the same millisecond, agent actions
// among them), read whole with --all, newest or oldest first, cut with --limit, filtered
// with --kind and --since; a bad --kind is a usage error; a viewer may read it; and the
// network is kept as a /24 or /48, never as the address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_SLUGS } from '../../src/platform/seed/demo.ts';
import { headingOf } from '../helpers/browserless.ts';
import { lines, rows } from './support.ts';
import { activityRows, expectNoSecretsInActivity, KINDS_BY_FILE, kindsStored, links, startActivityWorld, timeline, UA, type ActivityWorld, type TimelineItem } from './activity-support.ts';
import { ACTIVITY_KINDS } from '../../src/contract/activity.ts';

const LIVE = DEMO_EVENT_SLUGS.live; // login links, live now
const OPENS = 250;
const HOUR = 3_600_000;

let w: ActivityWorld;
const person = 'nina.newcomer@litware.example';
let all: TimelineItem[];
let cutoff: string;

beforeAll(async () => {
  w = await startActivityWorld();
  // Registers on the live event's form; the login link comes by mail.
  const browser = w.browser(UA.chromeWindows);
  const form = await browser.get(`/e/${LIVE}/register`);
  const done = await browser.submit(form, { first_name: 'Nina', last_name: 'Newcomer', company: 'Litware', job_title: '', email: person, terms: 'yes' }, `/e/${LIVE}/register`);
  expect(done.status).toBe(200);
  const first = await w.mail.nextMail(person, { after: 0 });

  // A scanner (or an impatient person) opens the link page many times in one instant;
  // an agent acts on the person at that same instant.
  w.clock.freeze(w.clock.now().getTime());
  const scanner = w.browser(UA.curl);
  for (let i = 0; i < OPENS; i++) expect((await scanner.get(first.link)).status).toBe(200);
  expect((await w.t1(['users', 'unlock', person, '--yes'])).exitCode).toBe(0);

  // A second later, from other networks: IPv6, and IPv4 mapped into IPv6.
  w.clock.advance(1_000);
  const path = new URL(first.link).pathname;
  for (const remoteAddress of ['2001:db8:abcd:12:3456:789a:bcde:f012', '::ffff:203.0.113.77']) {
    const response = await w.platform.platform.app.inject({ method: 'GET', url: path, remoteAddress, headers: { 'user-agent': UA.safariIphone } });
    expect(response.statusCode).toBe(200);
  }

  // Two hours later the link has expired; an agent sends a new one, which works.
  w.clock.advance(2 * HOUR);
  w.clock.thaw();
  cutoff = new Date(w.clock.now().getTime() - HOUR).toISOString();
  const person2 = w.browser(UA.chromeWindows);
  expect((await person2.get(first.link)).status).toBe(410);
  expect((await w.t1(['magic-link', 'create', person, '--event', LIVE, '--send', '--ticket', 'SUP-9', '--yes'])).exitCode).toBe(0);
  const second = await w.mail.nextMail(person, { after: 1 });
  // Mail delivery is recorded asynchronously; wait until both mails are in.
  const deadline = Date.now() + 10_000;
  while (activityRows(w).filter((r) => r.kind === 'mail.sent').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  const signedIn = await person2.submit(await person2.get(second.link));
  expect(signedIn.status).toBe(303);
  const site = await person2.follow(signedIn);
  expect(headingOf(site.body)).toBe('Northwind Customer Day');

  all = (await timeline(w, person, ['--all'])).items;
}, 60_000);

afterAll(async () => {
  await w?.close();
});

const key = (e: TimelineItem) => `${e.at} ${e.id}`;

describe('t1 users timeline --all', () => {
  it('reads every entry across pages, once each, newest first', async () => {
    const db = w.platform.platform.ctx.db;
    const user = await db.selectFrom('users').select('id').where('email', '=', person).executeTakeFirstOrThrow();
    const stored = activityRows(w).filter((r) => r.user_id === user.id || (r.user_id === null && r.email === person)).length;
    const audited = (await db.selectFrom('audit_log').select('id').where('target_user_id', '=', user.id).execute()).length;
    expect(audited).toBe(2);
    expect(all.length).toBe(stored + audited);
    expect(all.length).toBeGreaterThan(OPENS + 10); // more than one page of 200
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    for (let i = 1; i < all.length; i++) expect(key(all[i - 1]!) > key(all[i]!), `${key(all[i - 1]!)} before ${key(all[i]!)}`).toBe(true);
    expect(all.filter((e) => e.kind === 'link.opened')).toHaveLength(OPENS + 3);
  });

  it('entries written in the same millisecond keep the order they happened in', () => {
    const oldest = [...all].reverse();
    const frozen = oldest.filter((e) => e.kind === 'link.opened' && e.browser?.family === 'other');
    expect(new Set(frozen.map((e) => e.at)).size).toBe(1);
    expect(oldest.slice(0, 5).map((e) => e.kind)).toEqual(['registration.submitted', 'link.issued', 'mail.queued', expect.stringMatching(/^(mail\.sent|link\.opened)$/), expect.stringMatching(/^(mail\.sent|link\.opened)$/)]);
    const newest = all.slice(0, 6).map((e) => e.kind);
    expect(newest).toEqual(['visit.first', 'sign_in.succeeded', 'registration.completed', 'link.used', 'link.opened', expect.any(String)]);
  });

  it('--reverse reads the same entries oldest first', async () => {
    const reversed = (await timeline(w, person, ['--all', '--reverse'])).items;
    expect(reversed.map((e) => e.id)).toEqual([...all].reverse().map((e) => e.id));
    const first = (await timeline(w, person, ['--reverse', '--limit', '3'])).items;
    expect(first.map((e) => e.kind)).toEqual(['registration.submitted', 'link.issued', 'mail.queued']);
  });

  it('--limit cuts the list and says there is more; a limit beyond one page reads on', async () => {
    const ten = await timeline(w, person, ['--limit', '10']);
    expect(ten.items.map((e) => e.id)).toEqual(all.slice(0, 10).map((e) => e.id));
    expect(ten.more).toBe(true);
    const plain = await w.t1(['users', 'timeline', person, '--limit', '2']);
    expect(lines(plain.stdout)).toHaveLength(2);
    expect(plain.stderr).toContain('More entries are older; show them with --all or a larger --limit.');

    const long = await timeline(w, person, ['--limit', '1000']);
    expect(long.items.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(long.more).toBe(false);
    const exact = await timeline(w, person, ['--limit', String(all.length)]);
    expect(exact.more).toBe(false);
    expect((await timeline(w, person, ['--limit', String(all.length - 1)])).more).toBe(true);
  });
});

describe('filters', () => {
  it('--kind takes groups and kinds', async () => {
    const link = await timeline(w, person, ['--kind', 'link', '--all']);
    expect(link.items.map((e) => e.id)).toEqual(all.filter((e) => e.kind.startsWith('link.')).map((e) => e.id));
    expect(new Set(link.items.map((e) => e.kind))).toEqual(new Set(['link.issued', 'link.opened', 'link.refused', 'link.used']));

    const agent = await timeline(w, person, ['--kind', 'agent']);
    expect(agent.items.map((e) => [e.kind, e.actor, e.ticket])).toEqual([
      ['agent.magic_link.create', 'token:test agent', 'SUP-9'],
      ['agent.user.unlock', 'token:test agent', null],
    ]);

    const mixed = await timeline(w, person, ['--kind', 'sign_in,visit,link.used,agent']);
    expect(mixed.items.map((e) => e.kind)).toEqual(['visit.first', 'sign_in.succeeded', 'link.used', 'agent.magic_link.create', 'agent.user.unlock']);

    const exact = await timeline(w, person, ['--kind', 'link.refused']);
    expect(exact.items.map((e) => [e.reason, e.summary])).toEqual([['expired', 'Login link refused: the link had expired']]);
  });

  it('--since counts back from now', async () => {
    const recent = await timeline(w, person, ['--since', '1h']);
    expect(recent.items.length).toBeGreaterThan(5);
    expect(recent.items.map((e) => e.id)).toEqual(all.filter((e) => e.at >= cutoff).map((e) => e.id));
    expect(recent.items.some((e) => e.kind === 'link.opened' && e.browser?.family === 'other')).toBe(false);
    const withKind = await timeline(w, person, ['--since', '90m', '--kind', 'agent']);
    expect(withKind.items.map((e) => e.kind)).toEqual(['agent.magic_link.create']);
    expect((await timeline(w, person, ['--since', '3h', '--all'])).items).toHaveLength(all.length);
  });

  it('a bad --kind or --since is a usage error (exit 2) that names what is wrong', async () => {
    const bad = await w.t1(['users', 'timeline', person, '--kind', 'sign_in,nonsense']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('unknown kinds: nonsense');
    expect(bad.stderr).toContain('registration, link, sign_in');
    expect((await w.t1(['users', 'timeline', person, '--kind', ','])).exitCode).toBe(2);
    expect((await w.t1(['users', 'timeline', person, '--since', 'yesterday'])).exitCode).toBe(2);
    expect((await w.t1(['users', 'timeline', person, '--limit', '0'])).exitCode).toBe(2);
  });
});

describe('who may read it', () => {
  it('a viewer token reads the timeline and the links', async () => {
    const viewed = await timeline(w, person, ['--all'], 'viewer');
    expect(viewed.items.map((e) => e.id)).toEqual(all.map((e) => e.id));
    const list = await w.t1(['links', person], { role: 'viewer' });
    expect(list.exitCode).toBe(0);
    const table = rows(list.stdout);
    // The first link expired; the new one then marked it replaced as well (see the report).
    expect(table.map((r) => r[6])).toEqual([expect.stringMatching(/^used /), expect.stringMatching(/^(expired |replaced by lnk_)/)]);
    expect(table[1]![7]).toMatch(/^252 times, .*\(last: Safari 26 on iOS\)$/);
    expect((await links(w, person)).items[1].opened.count).toBe(OPENS + 2);
  });
});

describe('networks', () => {
  it('keeps the network of each visit, never the address', async () => {
    const opened = all.filter((e) => e.kind === 'link.opened');
    expect(new Set(opened.map((e) => e.network))).toEqual(new Set(['127.0.0.0/24', '2001:db8:abcd::/48', '203.0.113.0/24']));
    const stored = JSON.stringify(activityRows(w));
    for (const full of ['2001:db8:abcd:12', '203.0.113.77', '127.0.0.1', 'bcde:f012']) expect(stored).not.toContain(full);
  });
});

describe('at rest', () => {
  it('produced the kinds this file covers; with the other activity files, every kind', () => {
    const stored = kindsStored(w);
    for (const kind of KINDS_BY_FILE['activity-timeline']) expect(stored, kind).toContain(kind);
    const covered = new Set<string>(Object.values(KINDS_BY_FILE).flat());
    expect([...ACTIVITY_KINDS].filter((k) => !covered.has(k))).toEqual([]);
  });

  it('the activity table holds no link token or cookie', () => {
    expect(expectNoSecretsInActivity(w).rows).toBeGreaterThan(OPENS);
  });
});
