// The trace and retry lines t1 prints about its calls: what they show, and what they never show.
import { describe, expect, it } from 'vitest';
import type { AttemptInfo, RetryInfo } from '../../src/client/platform-client.ts';
import { formatMs, redactedPath, retryNotice, traceLine } from '../../src/cli/http-trace.ts';

const base = 'https://events.example.com';

function attempt(overrides: Partial<AttemptInfo> = {}): AttemptInfo {
  return {
    method: 'GET',
    url: `${base}/v1/events?limit=200`,
    requestId: 't1-3b0c',
    attempt: 1,
    maxAttempts: 4,
    durationMs: 14,
    status: 200,
    responseRequestId: 'req_abc',
    failure: undefined,
    ...overrides,
  };
}

function retry(overrides: Partial<RetryInfo> = {}): RetryInfo {
  return { method: 'GET', url: `${base}/v1/events?limit=200`, attempt: 1, maxAttempts: 4, delayMs: 150, reason: 'connection refused', status: undefined, ...overrides };
}

describe('redactedPath', () => {
  it('keeps the path of an email or slug and drops the host', () => {
    expect(redactedPath(`${base}/v1/users/priya%40contoso.example/status`)).toBe('/v1/users/priya%40contoso.example/status');
    expect(redactedPath(`${base}/v1/events/product-summit-2027`)).toBe('/v1/events/product-summit-2027');
  });

  it('replaces a token-like path segment', () => {
    const token = 'Qm9ndXNUb2tlbi1mb3ItdGhlLXRyYWNlLXRlc3Q';
    expect(redactedPath(`${base}/v1/tokens/${token}/revoke`)).toBe('/v1/tokens/[redacted]/revoke');
    expect(redactedPath(`${base}/v1/x/t1_${token}`)).toBe('/v1/x/[redacted]');
  });

  it('names the query parameters but shows none of their values', () => {
    expect(redactedPath(`${base}/v1/users?q=priya&limit=25&cursor=eyJhIjoxfQ&token=secret`)).toBe(
      '/v1/users?q=[redacted]&limit=[redacted]&cursor=[redacted]&token=[redacted]',
    );
  });

  it('keeps a path prefix of the base URL', () => {
    expect(redactedPath(`${base}/api/v1/health`)).toBe('/api/v1/health');
  });
});

describe('traceLine', () => {
  it('shows method, path, status, time, attempt and both request ids', () => {
    expect(traceLine(attempt())).toBe('[http] GET /v1/events?limit=[redacted] -> 200 in 14 ms (attempt 1 of 4, request id t1-3b0c, platform id req_abc)');
  });

  it('shows a failure without an answer, and only the id t1 sent', () => {
    expect(traceLine(attempt({ status: undefined, responseRequestId: null, failure: 'timed out waiting for a response', durationMs: 1003, attempt: 2 }))).toBe(
      '[http] GET /v1/events?limit=[redacted] -> timed out waiting for a response after 1.0 s (attempt 2 of 4, request id t1-3b0c)',
    );
  });

  it('neutralises a hostile request id from the network', () => {
    const line = traceLine(attempt({ responseRequestId: `req_\u001b[2J\u001b]0;pwned\u0007${'x'.repeat(300)}` }));
    expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(line).toContain('platform id req_[2J]0;pwned');
    expect(line.length).toBeLessThan(260);
  });
});

describe('retryNotice', () => {
  it('says the platform is not answering and which retry comes', () => {
    expect(retryNotice(retry(), false)).toBe('Platform not answering (connection refused), retry 2 of 4 in 150 ms...');
  });

  it('tells an overloaded platform from one that does not answer', () => {
    expect(retryNotice(retry({ status: 503, reason: 'HTTP 503', attempt: 2, delayMs: 2500 }), false)).toBe('Platform unavailable (HTTP 503), retry 3 of 4 in 2.5 s...');
    expect(retryNotice(retry({ status: 429, reason: 'HTTP 429' }), false)).toBe('Platform rate limiting (HTTP 429), retry 2 of 4 in 150 ms...');
  });

  it('names the call when detailed', () => {
    expect(retryNotice(retry(), true)).toBe('Platform not answering (connection refused), retry 2 of 4 in 150 ms (GET /v1/events?limit=[redacted])...');
  });
});

describe('formatMs', () => {
  it('uses milliseconds below a second and seconds above', () => {
    expect([formatMs(0), formatMs(999), formatMs(1000), formatMs(12_345)]).toEqual(['0 ms', '999 ms', '1.0 s', '12.3 s']);
  });
});
