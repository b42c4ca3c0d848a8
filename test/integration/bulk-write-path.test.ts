// How t1 invitations bulk reaches the platform and what a batch leaves behind: three batches
// in flight at once (seen at a proxy between t1 and the real in-process platform), the
// last one alone once every other is answered, the report still in file order; and the
// links in queued mails keep the public address the platform had when it queued them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCHES_IN_FLIGHT } from '../../src/cli/bulk/pipeline.ts';
import { openEmailBody } from '../../src/platform/mail/outbox.ts';
import { openPlatform } from '../../src/platform/platform.ts';
import { DEMO_EVENT_SLUGS, DEMO_ORG_ID, seedDemo } from '../../src/platform/seed/demo.ts';
import { issueApiToken } from '../../src/platform/services/staff-auth.ts';
import { runT1 } from '../helpers/cli.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const EVENT = DEMO_EVENT_SLUGS.upcoming;

interface BatchCall {
  batch: number;
  last: boolean;
  startedAt: number;
  endedAt?: number;
}

/** Forwards everything to `target`; batch posts are recorded and answered after `delayMs` more, like a slow network. */
async function countingProxy(target: string, delayMs: number): Promise<{ url: string; calls: BatchCall[]; maxInFlight: () => number; close(): Promise<void> }> {
  const calls: BatchCall[] = [];
  let inFlight = 0;
  let max = 0;
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let call: BatchCall | undefined;
      if (req.method === 'POST' && req.url?.endsWith('/invitations/batch')) {
        const parsed = JSON.parse(body.toString('utf8')) as { batch: number; last: boolean };
        call = { batch: parsed.batch, last: parsed.last, startedAt: performance.now() };
        calls.push(call);
        inFlight += 1;
        max = Math.max(max, inFlight);
      }
      const forward = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('end', () => {
          setTimeout(() => {
            if (call) {
              inFlight -= 1;
              call.endedAt = performance.now();
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(parts));
          }, call ? delayMs : 0);
        });
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    maxInFlight: () => max,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function people(prefix: string, n: number): string {
  const lines = ['email,first_name,last_name'];
  for (let i = 0; i < n; i++) lines.push(`${prefix}${i}@pipeline${i % 4}.example,First${i},Last${i}`);
  return `${lines.join('\n')}\n`;
}

describe('t1 invitations bulk, batches in flight', () => {
  let platform: TestPlatform;
  let dir: string;

  beforeAll(async () => {
    platform = await startTestPlatform();
    dir = mkdtempSync(join(tmpdir(), 't1-bulk-path-'));
  });
  afterAll(async () => {
    await platform?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps three batches in flight, sends the last alone, and reports in file order', { timeout: 60_000 }, async () => {
    const proxy = await countingProxy(platform.url, 40);
    try {
      const file = join(dir, 'two.csv');
      // A refused row between batches, and a repeat, so the report mixes t1's own outcomes with the platform's.
      writeFileSync(file, people('two.person', 1_500) + 'not-an-address,First,Last\ntwo.person7@pipeline3.example,Again,Again\n');
      const report = join(dir, 'two.report.csv');
      const result = await runT1(['invitations', 'bulk', file, '--event', EVENT, '--batch', '100', '--report', report, '--yes', '--reason', 'pipeline test'], {
        env: { ...platform.env('agent'), T1_API_URL: proxy.url },
      });
      expect(result.exitCode, result.stderr).toBe(5);

      // Batches in flight together may reach the proxy in any order.
      expect(proxy.calls.map((c) => c.batch).sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i));
      expect(proxy.maxInFlight()).toBe(BATCHES_IN_FLIGHT);
      const last = proxy.calls.find((c) => c.batch === 14)!;
      expect(proxy.calls.filter((c) => c.last)).toEqual([last]);
      for (const call of proxy.calls.filter((c) => c !== last)) expect(call.endedAt!).toBeLessThanOrEqual(last.startedAt);

      const rows = parse(readFileSync(report), { columns: true }) as Record<string, string>[];
      expect(rows.map((row) => Number(row.row))).toEqual(Array.from({ length: 1_502 }, (_, i) => i + 2));
      expect(rows.slice(0, 1_500).every((row) => row.outcome === 'invited')).toBe(true);
      expect(rows.slice(1_500).map((row) => row.code)).toEqual(['invalid_email', 'duplicate_in_file']);

      const db = platform.platform.ctx.db;
      const invited = await db
        .selectFrom('registrations')
        .innerJoin('users', 'users.id', 'registrations.user_id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('users.email', 'like', 'two.person%')
        .where('registrations.type', '=', 'bulk')
        .executeTakeFirstOrThrow();
      expect(Number(invited.n)).toBe(1_500);
      // The last batch closed the run with every batch counted: one audit entry, all the
      // totals, and apart the two rows t1 reported on its own.
      const audits = await db.selectFrom('audit_log').select('detail').where('action', '=', 'invitation.bulk').where('reason', '=', 'pipeline test').execute();
      expect(audits).toHaveLength(1);
      expect(JSON.parse(audits[0]!.detail!)).toMatchObject({ invited: 1_500, skipped: 0, failed: 0, batches: 15, notSentSkipped: 1, notSentFailed: 1 });
    } finally {
      await proxy.close();
    }
  });
});

describe('links in queued invitations', () => {
  it('keep the public address the platform had when it queued them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 't1-bulk-url-'));
    const database = join(dir, 'platform.db');
    try {
      const before = await openPlatform({ database, publicUrl: 'https://before.events.example', env: {} });
      await seedDemo(before.ctx.db, before.ctx);
      const { token } = await issueApiToken(before.ctx.db, before.ctx, { orgId: DEMO_ORG_ID, role: 'agent', name: 'url test', createdBy: 'test' });
      const response = await before.app.inject({
        method: 'POST',
        url: `/v1/events/${EVENT}/invitations/batch`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'url-test-0' },
        payload: JSON.stringify({ run: `url-${randomBytes(4).toString('hex')}`, file: 'url.csv', batch: 0, last: true, rows: [{ row: 2, email: 'noor.haddad@url.example', firstName: 'Noor', lastName: 'Haddad' }] }),
      });
      expect(response.statusCode, response.body).toBe(200);
      await before.close();

      const after = await openPlatform({ database, publicUrl: 'https://after.events.example', env: {} });
      try {
        const mail = await after.ctx.db.selectFrom('emails').select(['template', 'body_sealed']).where('recipient', '=', 'noor.haddad@url.example').executeTakeFirstOrThrow();
        const body = openEmailBody(after.ctx.secrets, mail.template, mail.body_sealed!);
        expect(body.text).toMatch(/https:\/\/before\.events\.example\/set-password\/[\w-]{40,}/);
        expect(body.text).not.toContain('after.events.example');
      } finally {
        await after.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
