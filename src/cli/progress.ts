// Signs of life while t1 waits for the platform. On a terminal: a spinner on stderr once a
// call has taken longer than a moment, and a line before each retry, so nobody stares at a
// silent screen. Off a terminal stderr gets only what was asked for (--verbose retry lines,
// the --debug trace), so pipes and logs stay clean. The client reports, this decides.
import type { Writable } from 'node:stream';
import type { Ora } from 'ora';
import type { AttemptInfo, ClientProgress, RetryInfo } from '../client/platform-client.ts';
import { retryNotice, traceLine } from './http-trace.ts';

/** Calls quicker than this show no spinner at all. */
export const SPINNER_DELAY_MS = 200;

const WAITING = 'Waiting for the platform...';
// On a terminal a line starts by wiping whatever holds the current one (the spinner, a
// progress bar), so the two never run together.
const CLEAR_LINE = '\r\x1b[2K';

export interface CallProgressOptions {
  stderr: Writable;
  /** Stderr is a terminal a spinner can redraw: a real one, of a known width. */
  spinner: boolean;
  /** Print a line before each retry (on a terminal, or when --verbose asks). */
  retryNotices: boolean;
  /** Name the method and path in retry lines (--verbose). */
  verbose: boolean;
  /** One line per attempt (--debug, T1_DEBUG=http). */
  trace: boolean;
  color: boolean;
  delayMs?: number;
}

export class CallProgress implements ClientProgress {
  readonly #options: CallProgressOptions;
  #inFlight = 0;
  #pauses = 0;
  #timer: NodeJS.Timeout | undefined;
  #spinner: Ora | undefined;

  constructor(options: CallProgressOptions) {
    this.#options = options;
  }

  onCallStart(): void {
    this.#inFlight++;
    this.#schedule();
  }

  onCallEnd(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (this.#inFlight === 0) this.#halt();
  }

  onAttempt(attempt: AttemptInfo): void {
    if (this.#options.trace) this.#line(traceLine(attempt));
  }

  onRetry(retry: RetryInfo): void {
    if (this.#options.retryNotices) this.#line(retryNotice(retry, this.#options.verbose));
    if (this.#spinner) this.#spinner.text = `Waiting for the platform (retry ${retry.attempt + 1} of ${retry.maxAttempts})...`;
  }

  /**
   * No spinner until the returned function is called: while a prompt asks a question, or a
   * command draws its own progress on the line the spinner would take.
   */
  pause(): () => void {
    this.#pauses++;
    this.#halt();
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      this.#pauses--;
      this.#schedule();
    };
  }

  /** Stops the spinner for good (the command is over). */
  stop(): void {
    this.#pauses = Number.POSITIVE_INFINITY;
    this.#halt();
  }

  #line(text: string): void {
    this.#options.stderr.write(`${this.#options.spinner ? CLEAR_LINE : ''}${text}\n`);
  }

  #schedule(): void {
    if (!this.#options.spinner || this.#pauses > 0 || this.#inFlight === 0 || this.#timer || this.#spinner?.isSpinning) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#show();
    }, this.#options.delayMs ?? SPINNER_DELAY_MS);
    this.#timer.unref();
  }

  async #show(): Promise<void> {
    // ora loads only when a call is slow, so quick commands never pay for it.
    const { default: ora } = await import('ora');
    if (this.#pauses > 0 || this.#inFlight === 0) return;
    this.#spinner ??= ora({
      stream: this.#options.stderr,
      isEnabled: true,
      color: this.#options.color ? 'cyan' : false,
      // Keystrokes stay with the terminal: swallowing them would also swallow Ctrl-C handling.
      discardStdin: false,
    });
    this.#spinner.start(WAITING);
  }

  #halt(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#spinner?.isSpinning) this.#spinner.stop();
  }
}
