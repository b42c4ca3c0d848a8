// Copies a SQLite database's WAL back into the database file (a checkpoint) from a worker
// thread with a connection of its own. Left to itself, SQLite checkpoints inside the
// commit that fills the WAL: it copies every page written since the last checkpoint and
// waits for two fsyncs, and the platform's one thread waits with it; during a bulk run on
// a database of 100,000 people that was a sixth of the run. Started only once a connection
// writes in bulk (a thread costs more to start than a small command takes), the worker
// checkpoints after every few commits, passively (it never waits for readers or writers).
// The connection's own automatic checkpoint stays on, as a backstop at a higher mark.
import { once } from 'node:events';
import type { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';

/** The connection's automatic checkpoint (in pages) without the worker, and while it runs. */
export const AUTOCHECKPOINT_PAGES = 4000;
const BACKSTOP_PAGES = 16_000;
// A page that consecutive commits change (the end of an index) is copied once for all of them.
const COMMITS_PER_CHECKPOINT = 4;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.file, { timeout: 5000 });
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.exec('PRAGMA wal_checkpoint(PASSIVE)');
  } catch {
    // The next commit asks again; the backstop catches up meanwhile.
  }
  parentPort.postMessage('done');
});
`;

export class BackgroundCheckpoints {
  readonly #db: DatabaseSync;
  readonly #file: string;
  #worker: Worker | undefined;
  #busy = false;
  #stopped = false;
  #commits = 0;

  constructor(db: DatabaseSync, file: string) {
    this.#db = db;
    this.#file = file;
  }

  /** Starts the worker (once); until then SQLite checkpoints as usual. */
  start(): void {
    if (this.#worker || this.#stopped) return;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: this.#file } });
    // A checkpoint left undone is no reason to keep the process alive.
    worker.unref();
    worker.on('message', () => {
      this.#busy = false;
    });
    worker.on('error', () => this.#withoutWorker());
    worker.on('exit', () => this.#withoutWorker());
    this.#worker = worker;
    this.#db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  }

  /** Asks for a checkpoint every few commits, unless one is still running. */
  afterCommit(): void {
    if (!this.#worker || this.#busy || ++this.#commits % COMMITS_PER_CHECKPOINT !== 0) return;
    this.#busy = true;
    this.#worker.postMessage('checkpoint');
  }

  /** Stops the worker and waits for its connection to close (before the main one closes). */
  async stop(): Promise<void> {
    this.#stopped = true;
    const worker = this.#worker;
    this.#worker = undefined;
    if (!worker) return;
    const exited = once(worker, 'exit');
    // Held open until its connection is closed: the main one must close last.
    worker.ref();
    worker.postMessage('close');
    await exited;
  }

  #withoutWorker(): void {
    if (this.#stopped || !this.#worker) return;
    this.#worker = undefined;
    this.#stopped = true;
    this.#db.exec(`PRAGMA wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  }
}
