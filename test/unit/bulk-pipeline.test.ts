// InOrder, which keeps a bulk run's batches in flight a few at a time: what comes out, in
// which order, how many requests wait at once, and what a failed request stops.
import { describe, expect, it } from 'vitest';
import { InOrder } from '../../src/cli/bulk/pipeline.ts';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

const settle = () => new Promise((done) => setImmediate(done));

describe('InOrder', () => {
  it('hands results over in the order they were added, whichever finishes first', async () => {
    const window = new InOrder(2, 10);
    const out: string[] = [];
    const first = deferred<string>();
    const second = deferred<string>();
    window.add(first.promise, (v) => void out.push(v), true);
    window.add('refused row', (v) => void out.push(v), false);
    window.add(second.promise, (v) => void out.push(v), true);
    second.resolve('batch 1');
    const drained = window.drain();
    await settle();
    expect(out).toEqual([]);
    first.resolve('batch 0');
    await drained;
    expect(out).toEqual(['batch 0', 'refused row', 'batch 1']);
  });

  it('lets a third request start only once the oldest has been handed over', async () => {
    const window = new InOrder(2, 10);
    const out: number[] = [];
    const answers = [deferred<number>(), deferred<number>()];
    for (const answer of answers) {
      await window.ready(true);
      window.add(answer.promise, (v) => void out.push(v), true);
    }
    let third = false;
    const room = window.ready(true).then(() => (third = true));
    // A refused row needs no request: it may queue meanwhile.
    await window.ready(false);
    await settle();
    expect(third).toBe(false);
    answers[1]!.resolve(1);
    await settle();
    expect(third).toBe(false);
    answers[0]!.resolve(0);
    await room;
    expect(out).toEqual([0]);
    await window.drain();
    expect(out).toEqual([0, 1]);
  });

  it('bounds what waits: refused rows queue up to the limit, then wait for the oldest', async () => {
    const window = new InOrder(2, 3);
    const answer = deferred<string>();
    window.add(answer.promise, () => {}, true);
    window.add('a', () => {}, false);
    window.add('b', () => {}, false);
    let roomForMore = false;
    const room = window.ready(false).then(() => (roomForMore = true));
    await settle();
    expect(roomForMore).toBe(false);
    answer.resolve('batch 0');
    await room;
    expect(roomForMore).toBe(true);
  });

  it('throws a failed request in its turn, after what came before, and hands over nothing after it', async () => {
    const window = new InOrder(2, 10);
    const out: string[] = [];
    const first = deferred<string>();
    const failing = deferred<string>();
    const third = deferred<string>();
    window.add(first.promise, (v) => void out.push(v), true);
    window.add(failing.promise, (v) => void out.push(v), true);
    window.add(third.promise, (v) => void out.push(v), true);
    failing.reject(new Error('platform refused batch 1'));
    third.resolve('batch 2');
    await settle(); // a failure waiting for its turn is not an unhandled rejection
    first.resolve('batch 0');
    await expect(window.drain()).rejects.toThrow('platform refused batch 1');
    expect(out).toEqual(['batch 0']);
  });
});
