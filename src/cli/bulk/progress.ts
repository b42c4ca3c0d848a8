// A one-line progress bar on stderr while a bulk run goes: rows done of the total, rows
// per second, time left. Only on a terminal; silent otherwise (logs and pipes stay clean).
import type { Writable } from 'node:stream';

const WIDTH = 24;
const EVERY_MS = 100;

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function progressLine(done: number, total: number, elapsedMs: number, label: string): string {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(share * WIDTH);
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const eta = rate > 0 ? (total - done) / rate : Number.POSITIVE_INFINITY;
  const bar = `${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}`;
  return `${label} [${bar}] ${formatCount(done)}/${formatCount(total)} rows ${Math.floor(share * 100)}%  ${formatCount(Math.round(rate))} rows/s  ETA ${formatDuration(eta)}`;
}

export interface Progress {
  update(done: number): void;
  /** Clears the line (before a summary or an error is printed). */
  done(): void;
}

export function progressBar(stderr: Writable, enabled: boolean, total: number, label: string, now: () => number = Date.now): Progress {
  if (!enabled) return { update() {}, done() {} };
  const started = now();
  let last = 0;
  let shown = false;
  return {
    update(done) {
      const at = now();
      if (at - last < EVERY_MS && done < total) return;
      last = at;
      shown = true;
      stderr.write(`\r\x1b[2K${progressLine(done, total, at - started, label)}`);
    },
    done() {
      if (shown) stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}
