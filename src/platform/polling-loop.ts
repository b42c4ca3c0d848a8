// Runs a worker's pass again and again in the background: at once when the last pass was
// full or something woke the loop meanwhile, else after the poll interval. Passes never
// overlap, and a pass waiting for its turn keeps no process alive. The mail and the text
// message workers both run on it.

export interface PollingLoop {
  start(): void;
  /** Asks for a pass now (or right after the one in flight), e.g. when work was queued. */
  wake(): void;
  /** Schedules no more passes; resolves when the pass in flight ends, or after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface PollingLoopOptions {
  /** One pass; `full` when it may have left work behind (it took a whole batch). */
  pass: () => Promise<{ full: boolean }>;
  intervalMs: number;
  onError: (error: unknown) => void;
}

export function pollingLoop(options: PollingLoopOptions): PollingLoop {
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let woken = false;

  function schedule(delayMs: number): void {
    timer = setTimeout(tick, delayMs);
    timer.unref();
  }

  function tick(): void {
    timer = undefined;
    woken = false;
    let again = false;
    inFlight = options
      .pass()
      .then((result) => {
        again = result.full;
      })
      .catch(options.onError)
      .finally(() => {
        inFlight = undefined;
        if (running && !timer) schedule(again || woken ? 0 : options.intervalMs);
      });
  }

  return {
    start() {
      if (running) return;
      running = true;
      if (!inFlight && !timer) schedule(0);
    },
    wake() {
      if (!running) return;
      if (inFlight) {
        woken = true;
      } else {
        clearTimeout(timer);
        schedule(0);
      }
    },
    async stop(graceMs = Number.POSITIVE_INFINITY) {
      running = false;
      clearTimeout(timer);
      timer = undefined;
      if (inFlight) await settledWithin(inFlight, graceMs);
    },
  };
}

/** Waits for `work`, or `ms` at most. */
function settledWithin(work: Promise<unknown>, ms: number): Promise<unknown> {
  if (!Number.isFinite(ms)) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
