// The spinner's rules, on a captured stream: not before the delay, not while paused (a
// prompt is asking), gone once the last call ends; retry lines and the trace as asked.
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { CallInfo } from '../../src/client/platform-client.ts';
import { CallProgress, type CallProgressOptions } from '../../src/cli/progress.ts';

const CALL: CallInfo = { method: 'GET', url: 'https://events.example.com/v1/events?limit=200', requestId: 't1-1' };
const RETRY = { method: 'GET', url: CALL.url, attempt: 1, maxAttempts: 4, delayMs: 150, reason: 'connection refused', status: undefined };

function captured(options: Partial<CallProgressOptions> = {}) {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const progress = new CallProgress({ stderr, spinner: true, retryNotices: true, verbose: false, trace: false, color: false, delayMs: 30, ...options });
  return { progress, shown: () => text };
}

const WAITING = /Waiting for the platform/;

describe('CallProgress', () => {
  it('shows nothing for a call quicker than the delay', async () => {
    const { progress, shown } = captured({ delayMs: 200 });
    progress.onCallStart();
    await sleep(20);
    progress.onCallEnd();
    await sleep(250);
    expect(shown()).toBe('');
  });

  it('spins once a call outlasts the delay, and stops when the last call ends', async () => {
    const { progress, shown } = captured();
    progress.onCallStart();
    progress.onCallStart();
    await sleep(150);
    expect(shown()).toMatch(WAITING);
    progress.onCallEnd();
    await sleep(100);
    const whileOneLeft = shown().length;
    await sleep(150);
    expect(shown().length).toBeGreaterThan(whileOneLeft);
    progress.onCallEnd();
    const ended = shown().length;
    await sleep(150);
    expect(shown().length).toBe(ended);
  });

  it('stays away while paused, and comes back after', async () => {
    const { progress, shown } = captured();
    const resume = progress.pause();
    progress.onCallStart();
    await sleep(150);
    expect(shown()).toBe('');
    resume();
    await sleep(150);
    expect(shown()).toMatch(WAITING);
    progress.stop();
  });

  it('shows no spinner where it cannot redraw, but still the retry line', async () => {
    const { progress, shown } = captured({ spinner: false });
    progress.onCallStart();
    await sleep(100);
    progress.onRetry(RETRY);
    progress.onCallEnd();
    expect(shown()).toBe('Platform not answering (connection refused), retry 2 of 4 in 150 ms...\n');
  });

  it('prints neither retry lines nor a trace unless asked', async () => {
    const { progress, shown } = captured({ spinner: false, retryNotices: false });
    progress.onCallStart();
    progress.onAttempt({ ...CALL, attempt: 1, maxAttempts: 4, durationMs: 3, status: undefined, responseRequestId: null, failure: 'connection refused' });
    progress.onRetry(RETRY);
    progress.onCallEnd();
    expect(shown()).toBe('');
  });

  it('traces each attempt when asked', () => {
    const { progress, shown } = captured({ spinner: false, retryNotices: false, trace: true });
    progress.onAttempt({ ...CALL, attempt: 1, maxAttempts: 4, durationMs: 3, status: 200, responseRequestId: 'req_1', failure: undefined });
    expect(shown()).toBe('[http] GET /v1/events?limit=[redacted] -> 200 in 3 ms (attempt 1 of 4, request id t1-1, platform id req_1)\n');
  });
});
