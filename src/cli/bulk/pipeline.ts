// Keeps three batches of a bulk run in flight, so the platform already works on the next
// batch while t1 reads the answer to the previous one and checks and sends the rows that
// follow: t1 and the platform then run side by side instead of in turn. A third batch
// keeps the platform busy when an answer or a send is slow to come (on PostgreSQL, while
// one batch commits another is written): about a tenth more rows a second than two, on
// both databases. Whatever comes
// out (a batch's outcomes, rows t1 refused on its own) is handed over in file order, so
// the report and the journal read exactly as when batches went one at a time.

/** Batches sent before the answer to the oldest is awaited. */
export const BATCHES_IN_FLIGHT = 3;

interface Entry {
  result: Promise<unknown>;
  deliver: (value: unknown) => Promise<void> | void;
  request: boolean;
}

export class InOrder {
  readonly #maxRequests: number;
  readonly #maxQueued: number;
  readonly #queue: Entry[] = [];
  #requests = 0;

  /**
   * `maxRequests`: requests in flight at once; `maxQueued`: entries waiting to be handed
   * over, which bounds what a long stretch of refused rows keeps in memory.
   */
  constructor(maxRequests: number, maxQueued: number) {
    this.#maxRequests = maxRequests;
    this.#maxQueued = maxQueued;
  }

  /** Hands over the oldest entries until another request (or entry) may join. */
  async ready(request: boolean): Promise<void> {
    while ((request && this.#requests >= this.#maxRequests) || this.#queue.length >= this.#maxQueued) await this.#next();
  }

  /**
   * Queues a result (a request's promise, or a value already known) for `deliver`, which
   * gets it once everything queued before has been handed over. A request that fails
   * throws from the ready() or drain() that reaches it, after the entries before it.
   */
  add<T>(result: Promise<T> | T, deliver: (value: T) => Promise<void> | void, request: boolean): void {
    const pending = Promise.resolve(result);
    // Seen in its turn; until then its failure must not count as unhandled.
    pending.catch(() => {});
    this.#queue.push({ result: pending, deliver: deliver as Entry['deliver'], request });
    if (request) this.#requests++;
  }

  /** Hands over everything queued. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0) await this.#next();
  }

  async #next(): Promise<void> {
    const entry = this.#queue.shift()!;
    let value: unknown;
    try {
      value = await entry.result;
    } finally {
      if (entry.request) this.#requests--;
    }
    await entry.deliver(value);
  }
}
