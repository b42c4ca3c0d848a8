// Keeps a long bulk run's memory flat. V8 sizes its heap for throughput: with a fast
// stream of short-lived rows, requests and answers it grows the young generation to
// 100+ MB and lets promoted garbage pile up in the old one before collecting it, so RSS
// rises with the file although what is alive stays small (a batch, the address hashes).
// For the run, the young generation is not grown and a full collection runs every few
// batches (about 10 ms each on this heap); both are undone when the run ends.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface MemoryGuard {
  /** Called once per unit of work (a batch, a slice of the checking pass). */
  tick(): void;
  release(): void;
}

const COLLECT_EVERY = 8;

export function flatMemory(): MemoryGuard {
  let collect: (() => void) | undefined;
  try {
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    collect = (globalThis as { gc?: () => void }).gc;
    if (!collect) {
      v8.setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as (() => void) | undefined;
    }
  } catch {
    collect = undefined;
  }
  let ticks = 0;
  return {
    tick() {
      if (collect && ++ticks % COLLECT_EVERY === 0) collect();
    },
    release() {
      try {
        v8.setFlagsFromString('--semi-space-growth-factor=2');
      } catch {
        // nothing to undo
      }
    },
  };
}
