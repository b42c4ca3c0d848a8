// t1 invitations bulk <file.csv | -> --event E: invites everyone in a CSV file, in
// batches the platform applies one transaction each, and writes a report of every row.
//
// Two passes over the file. The first checks it all (bytes, CSV structure, header, each
// row) and sends nothing, so a file found unusable on its last line invites no one (exit
// 2). The second streams it again and sends the batches, three in flight at a time. Each
// batch carries an Idempotency-Key made of the run and its position; the run is named
// after the file's content hash and the event, and kept in a journal under T1_HOME with
// each finished batch's outcomes, so --resume sends the remaining batches with the same
// keys (a batch the platform committed but the journal missed answers as the first time)
// and the report of a resumed run still lists every row.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import type { BulkBatchBody, BulkBatchResult } from '../../contract/schemas.ts';
import { BULK_BATCH_MAX_ROWS } from '../../contract/schemas.ts';
import type { EventRole } from '../../contract/vocabulary.ts';
import type { Deps } from '../../cli/deps.ts';
import { CliError, usageError } from '../../cli/errors.ts';
import { EXIT, type ExitCode } from '../../cli/exit-codes.ts';
import type { Output } from '../../cli/render/output.ts';
import { ApiError } from '../../client/errors.ts';
import { ByteChecker, mapColumns, parseMapFlags, readHead, readRecords, spoolToFile, type ColumnMap, type FileHead } from '../../cli/bulk/csv-rows.ts';
import { Batcher, RowChecker, type Checked, type Planned, type RowMarks } from '../../cli/bulk/rows.ts';
import { ReportWriter, type ReasonCount, type ReportEntry } from '../../cli/bulk/report.ts';
import {
  JournalWriter,
  journalPath,
  outcomeAt,
  outcomeIndex,
  readJournalBatches,
  readJournalHeader,
  scanJournal,
  type JournalBatch,
  type JournalHeader,
  type JournalRow,
} from '../../cli/bulk/journal.ts';
import { formatCount, progressBar } from '../../cli/bulk/progress.ts';
import { flatMemory, type MemoryGuard } from '../../cli/bulk/memory.ts';
import { BATCHES_IN_FLIGHT, InOrder } from '../../cli/bulk/pipeline.ts';
import { confirmAction, type ActionFlags } from '../support.ts';

export interface Options extends ActionFlags {
  file: string;
  event: string;
  role?: EventRole;
  dryRun: boolean;
  report?: string;
  resume: boolean;
  batch?: number;
  map: string[];
}

export interface View {
  run: string;
  event: string;
  file: string;
  report: string;
  dryRun: boolean;
  resumed: boolean;
  /** True when Ctrl-C stopped the run before its end (the report covers the rows done). */
  stopped: boolean;
  rows: number;
  invited: number;
  skipped: number;
  failed: number;
  reasons: ReasonCount[];
}

/** What the first pass learned. */
interface Survey {
  head: FileHead;
  map: ColumnMap;
  fileHash: string;
  rows: number;
  batches: number;
  toSend: number;
  /** Rows t1 reports on its own, never sent: failed by its checks, or skipped as repeats. */
  notSent: { skipped: number; failed: number };
  /** Rows that repeat an earlier address, so the sending pass needs no set of addresses. */
  duplicates: RowMarks;
}

const sha = (text: string) => createHash('sha256').update(text).digest('base64url');

/** The run's name without its nonce: the same file for the same event (live or dry). */
function runBase(fileHash: string, eventId: string, dryRun: boolean): string {
  return sha(`t1 bulk\n${fileHash}\n${eventId}\n${dryRun ? 'dry-run' : 'live'}`).slice(0, 22);
}

export function idempotencyKey(run: string, batchSize: number, batch: number): string {
  return `bulk-${run}-${batchSize}-${batch}`;
}

async function survey(path: string, label: string, mapFlags: string[], batchSize: number, stopping: () => boolean, memory: MemoryGuard): Promise<Survey> {
  const maps = parseMapFlags(mapFlags);
  const head = readHead(path, label);
  let map: ColumnMap | undefined;
  const checker = new ByteChecker(label);
  let rows = 0;
  let toSend = 0;
  const notSent = { skipped: 0, failed: 0 };
  let checkRows: RowChecker | undefined;
  const batcher = new Batcher(batchSize);
  for await (const records of readRecords({ path, label, head, onHeader: (headers) => (map = mapColumns(headers, maps, label)) }, checker)) {
    checkRows ??= new RowChecker(map!);
    for (const record of records) {
      const checked = checkRows.check(record);
      rows++;
      if (checked.kind === 'send') toSend++;
      else notSent[checked.outcome]++;
      batcher.push(checked);
      if ((rows & 0x3fff) === 0) {
        if (stopping()) throw new CliError('Stopped before anything was sent.', EXIT.cancelled);
        memory.tick();
      }
    }
  }
  batcher.end();
  if (!map) throw new CliError(`${label} has no header line.`, EXIT.usage, 'The first line should name the columns: email, first_name, last_name...');
  if (rows === 0) throw new CliError(`${label} has a header line but no rows.`, EXIT.usage, 'Add one person per line under the header.');
  return { head, map, fileHash: checker.digest!, rows, batches: batcher.batches, toSend, notSent, duplicates: checkRows!.marks };
}

function defaultReportPath(input: string | undefined): string {
  if (!input) return resolve('t1-bulk-report.csv');
  const stem = extname(input).toLowerCase() === '.csv' ? input.slice(0, -4) : input;
  return `${stem}.report.csv`;
}

/**
 * Sends a batch, pacing by 429/503 and riding out network failures past the client's own
 * retries; it stops retrying once the run has failed on another batch.
 */
async function sendBatch(deps: Deps, event: string, body: BulkBatchBody, key: string, givenUp: () => boolean): Promise<BulkBatchResult> {
  const client = await deps.client();
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.inviteBatch(event, body, key);
    } catch (error) {
      const retryable =
        (error instanceof ApiError && (error.status === 429 || error.status === 503 || error.status === 502 || error.status === 504)) ||
        (error instanceof Error && error.name === 'NetworkError');
      if (!retryable || attempt >= 8 || givenUp()) throw error;
      await new Promise((done) => setTimeout(done, Math.min(30_000, 500 * 2 ** attempt)));
    }
  }
}

function resumeCommand(options: Options): string {
  const words = ['t1 invitations bulk', options.file === '-' ? '- <same input>' : quote(options.file), '--event', quote(options.event), '--resume'];
  if (options.dryRun) words.push('--dry-run');
  if (options.report) words.push('--report', quote(options.report));
  for (const map of options.map) words.push('--map', quote(map));
  return words.join(' ');
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export async function run(options: Options, deps: Deps): Promise<View> {
  const out = deps.output;
  if (options.batch !== undefined && (options.batch < 1 || options.batch > BULK_BATCH_MAX_ROWS)) {
    throw usageError(`--batch must be from 1 to ${BULK_BATCH_MAX_ROWS}.`);
  }
  if (options.report === '-' && deps.flags.json) throw usageError('--report - and --json both want stdout.', 'Write the report to a file with --report <path>.');
  const fromStdin = options.file === '-';
  if (!fromStdin && !existsSync(options.file)) throw usageError(`There is no file ${options.file}.`);
  if (!fromStdin && statSync(options.file).isDirectory()) throw usageError(`${options.file} is a directory, not a CSV file.`);
  const label = fromStdin ? 'The input' : basename(options.file);

  let stopSignal: string | undefined;
  void deps.untilStopped().then((signal) => (stopSignal = signal));
  const stopping = () => stopSignal !== undefined;

  let spoolDir: string | undefined;
  let path = options.file;
  const memory = flatMemory();
  try {
    if (fromStdin) {
      spoolDir = mkdtempSync(join(tmpdir(), 't1-bulk-'));
      path = join(spoolDir, 'input.csv');
      await spoolToFile(deps.io.stdin, path);
    }
    const requestedBatch = options.batch ?? BULK_BATCH_MAX_ROWS;
    if (out.io.stderrIsTTY) out.io.stderr.write(`Checking ${label}...\r`);
    // The journal's batch size wins on --resume (batches must be cut as before); the survey
    // is redone then with it, which costs one more read of the file only in that case.
    let found = await survey(path, label, options.map, requestedBatch, stopping, memory);
    if (out.io.stderrIsTTY) out.io.stderr.write('\r\x1b[2K');

    const reportPath = options.report === '-' ? '-' : resolve(options.report ?? defaultReportPath(fromStdin ? undefined : options.file));
    if (reportPath !== '-' && !fromStdin && reportPath === resolve(options.file)) throw usageError('The report would overwrite the input file.', 'Name another with --report.');
    if (reportPath !== '-') {
      try {
        closeSync(openSync(reportPath, 'a')); // writable? (truncated only once the run starts)
      } catch (error) {
        throw usageError(`Cannot write the report ${reportPath}: ${(error as NodeJS.ErrnoException).code ?? error}.`, 'Name a writable file with --report.');
      }
    }
    const client = await deps.client();
    const event = await client.getEvent(options.event);
    const base = runBase(found.fileHash, event.id, options.dryRun);
    const journalFile = journalPath(deps.paths.dataDir, base);

    let header: JournalHeader | undefined;
    let journaled = 0;
    let validBytes = 0;
    let committed: number[] = [];
    if (options.resume) {
      header = readJournalHeader(journalFile);
      if (header && header.fileHash === found.fileHash && header.eventId === event.id && header.dryRun === options.dryRun) {
        if (header.batchSize !== requestedBatch) {
          if (options.batch !== undefined) out.notice(`Resuming with the run's batch size, ${header.batchSize} (not --batch ${options.batch}).`);
          found = await survey(path, label, options.map, header.batchSize, stopping, memory);
        }
        ({ batches: journaled, validBytes } = await scanJournal(journalFile));
        try {
          committed = (await client.bulkRun(event.id, header.run)).committedBatches;
        } catch (error) {
          if (!(error instanceof ApiError && error.status === 404)) throw error;
        }
        const through = committed.length === 0 ? 'none' : `${committed.length}`;
        out.notice(
          `Resuming run ${header.run}: ${formatCount(found.batches)} batches; the platform committed ${through}, t1 has the outcomes of ${journaled}.`,
        );
      } else {
        out.notice(`Nothing to resume for ${label} and ${options.event}${header ? ' (the journal is for another file or mode)' : ''}: starting a new run.`);
        header = undefined;
      }
    }
    const resumed = header !== undefined;
    const batchSize = header?.batchSize ?? requestedBatch;
    // A resumed run keeps its role (the rows of a batch must not change); a reason or
    // ticket given again (say, one the organisation requires) goes with the batches left.
    const reason = options.reason ?? header?.reason;
    const ticket = options.ticket ?? header?.ticket;
    const role = header ? (header.role as EventRole | undefined) : options.role;
    if (header && options.role !== undefined && options.role !== header.role) {
      out.notice(`Resuming with the role the run started with (${header.role ?? 'none: attendee'}), not --role ${options.role}.`);
    }

    if (!options.dryRun && journaled < found.batches) {
      const refused = found.notSent.failed > 0 ? ` (${formatCount(found.notSent.failed)} rows fail t1's checks and will be reported)` : '';
      const verb = resumed ? 'Resume inviting' : 'Invite';
      await confirmAction(deps, options, `${verb} up to ${formatCount(found.toSend)} people from ${label} to ${event.slug}${refused}?`);
    }

    const run = header?.run ?? `${base}-${randomBytes(6).toString('base64url')}`;
    const file = (fromStdin ? 'stdin' : basename(options.file)).slice(0, 255);
    const journal = header
      ? JournalWriter.append(journalFile, validBytes)
      : JournalWriter.create(journalFile, {
          v: 1,
          run,
          fileHash: found.fileHash,
          event: options.event,
          eventId: event.id,
          dryRun: options.dryRun,
          batchSize,
          file,
          role,
          reason,
          ticket,
          batches: found.batches,
          startedAt: deps.now().toISOString(),
        });

    const report = ReportWriter.open(reportPath, deps.io.stdout);
    const showBar = deps.io.stderrIsTTY && !deps.flags.json;
    // The bar is the sign of life here; the waiting spinner would take its line.
    if (showBar) deps.waiting.pause();
    const progress = progressBar(deps.io.stderr, showBar, found.rows, options.dryRun ? 'Checking' : 'Inviting');

    const earlier = header ? readJournalBatches(journalFile)[Symbol.asyncIterator]() : undefined;
    let stopped = false;
    let done = 0;
    const emit = async (entry: ReportEntry) => {
      await report.write(entry);
      done++;
    };
    const emitBatch = async (items: Checked[], outcomes: Map<number, JournalRow>) => {
      for (const item of items) {
        if (item.kind === 'reject') await emit({ row: item.row, email: item.email, outcome: item.outcome, reason: item.reason });
        else {
          const outcome = outcomes.get(item.row.row);
          await emit(
            outcome
              ? { row: item.row.row, email: item.row.email, outcome: outcomeAt(outcome[1]), reason: outcome[2] }
              : { row: item.row.row, email: item.row.email, outcome: 'failed', reason: 'no_result' },
          );
        }
      }
    };
    // Batches go three at a time; everything is handed over in file order (see pipeline.ts).
    // The last batch goes alone, once every other is answered: the platform closes the
    // run with it (totals, the audit entry).
    const inOrder = new InOrder(BATCHES_IN_FLIGHT, 2 * batchSize);
    let failed = false;
    const deliverBatch = (planned: Extract<Planned, { kind: 'batch' }>, fresh: boolean) => async (rows: JournalRow[]) => {
      if (fresh) journal.batch({ b: planned.index, r: rows });
      await emitBatch(planned.items, new Map(rows.map((row) => [row[0], row])));
      progress.update(done);
      memory.tick();
      if (stopping() && planned.index < found.batches - 1) stopped = true;
    };
    const handle = async (planned: Planned) => {
      if (planned.kind === 'reject') {
        const { item } = planned;
        await inOrder.ready(false);
        inOrder.add(undefined, () => emit({ row: item.row, email: item.email, outcome: item.outcome, reason: item.reason }), false);
        return;
      }
      if (earlier && planned.index < journaled) {
        const entry = (await earlier.next()).value as JournalBatch | undefined;
        if (entry?.b === planned.index) {
          await inOrder.ready(false);
          inOrder.add(entry.r, deliverBatch(planned, false), false);
          return;
        }
      }
      const last = planned.index === found.batches - 1;
      if (last) await inOrder.drain();
      else await inOrder.ready(true);
      if (stopped) return;
      const body: BulkBatchBody = {
        run,
        file,
        batch: planned.index,
        last,
        dryRun: options.dryRun,
        rows: planned.rows,
        ...(role ? { role } : {}),
        ...(last ? { notSent: found.notSent } : {}),
        ...(reason !== undefined ? { reason } : {}),
        ...(ticket !== undefined ? { ticket } : {}),
      };
      const answer = sendBatch(deps, event.id, body, idempotencyKey(run, batchSize, planned.index), () => failed).then(
        (result) => result.results.map((r) => [r.row, outcomeIndex(r.outcome), r.reason] as JournalRow),
        (error: unknown) => {
          throw Object.assign(error as Error, { bulkResumeHint: planned.index > 0 || resumed });
        },
      );
      inOrder.add(answer, deliverBatch(planned, true), true);
    };

    try {
      const checkRows = { current: undefined as RowChecker | undefined };
      const batcher = new Batcher(batchSize);
      const second = new ByteChecker(label);
      reading: for await (const records of readRecords({ path, label, head: found.head, onHeader: () => {} }, second)) {
        checkRows.current ??= new RowChecker(found.map, found.duplicates);
        for (const record of records) {
          const planned = batcher.push(checkRows.current.check(record));
          if (planned) await handle(planned);
          if (stopped) break reading;
        }
      }
      if (!stopped) {
        const last = batcher.end();
        if (last) await handle(last);
      }
      await inOrder.drain();
      if (!stopped && second.digest !== undefined && second.digest !== found.fileHash) {
        throw new CliError(`${label} changed while t1 was reading it.`, EXIT.failure, 'Run again once the file is complete.');
      }
    } catch (error) {
      failed = true;
      progress.done();
      await report.close().catch(() => {});
      journal.close();
      if (error instanceof CliError) throw error;
      if ((error as { bulkResumeHint?: boolean }).bulkResumeHint) {
        out.notice(`The run stopped after ${formatCount(done)} of ${formatCount(found.rows)} rows (report so far: ${reportPath}).`);
        out.notice(`Once the problem is fixed, continue with: ${resumeCommand(options)}`);
      }
      throw error;
    } finally {
      await earlier?.return?.(undefined);
    }
    progress.done();
    await report.close();
    journal.close();

    const tally = report.tally;
    const view: View = {
      run,
      event: event.slug,
      file,
      report: reportPath,
      dryRun: options.dryRun,
      resumed,
      stopped,
      rows: tally.rows,
      invited: tally.invited,
      skipped: tally.skipped,
      failed: tally.failed,
      reasons: tally.reasons(),
    };
    summary(view, found.rows, out);
    if (stopped) {
      out.notice(`Stopped (${stopSignal}) after the batches in flight. Continue with: ${resumeCommand(options)}`);
      throw new CliError('Stopped before the end of the file.', EXIT.cancelled);
    }
    return view;
  } finally {
    memory.release();
    if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
  }
}

function summary(view: View, total: number, out: Output): void {
  const rows = view.stopped ? `${formatCount(view.rows)} of ${formatCount(total)} rows` : `${formatCount(view.rows)} rows`;
  const invited = view.dryRun ? `${formatCount(view.invited)} would be invited` : `${formatCount(view.invited)} invited`;
  out.notice(`${view.dryRun ? 'Dry run, nothing changed. ' : ''}${rows}: ${invited}, ${formatCount(view.skipped)} skipped, ${formatCount(view.failed)} failed (event ${view.event}).`);
  for (const reason of view.reasons) out.notice(`  ${reason.outcome.padEnd(7)} ${formatCount(reason.count).padStart(9)}  ${reason.reason} (${reason.code})`);
  out.notice(`Report: ${view.report === '-' ? 'standard output' : view.report}`);
}

export function render(_view: View, _out: Output): void {
  // The summary went to stderr as the run ended; stdout holds only the report (--report -) or --json.
}

/** 5 when some row failed, so scripts can tell a partial run from a clean one. */
export function exitCode(view: View): ExitCode {
  return view.failed > 0 ? EXIT.partial : EXIT.ok;
}
