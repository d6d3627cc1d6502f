import { createReadStream, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { FleetEntry, FleetOptions } from '../app/fleet.ts';
import { auditInventory, loadInventory } from '../app/inventory.ts';
import { MAX_INVENTORY_BYTES } from '../settings/inventory.ts';
import type { JsonEntry, JsonlLine, LoadedInventory } from '../app/inventory.ts';
import { readTextFile, recordReads } from '../util/read-file.ts';
import { refuseOutputsRead } from './files.ts';
import { openOutputSync, openStagedOutput, writeAllSync } from '../util/write-file.ts';
import type { StagedOutput } from '../util/write-file.ts';
import { fsErrorText } from '../util/fs-error.ts';
import type { Target, TargetFlags } from '../redis/target.ts';
import type { DeploymentKind } from '../gather/topology/discover.ts';
import type { HostKeyMap } from '../topology/host-key.ts';
import { jsonlSummary } from '../report/jsonl.ts';
import { JsonReportStream } from '../report/json.ts';
import { ChunkWriter } from '../util/chunk-writer.ts';
import { reportTool } from '../package-root.ts';
import type { OutputPlan } from '../report/outputs.ts';
import type { AuditReport } from '../report/types.ts';
import type { Severity } from '../rules/define.ts';
import type { Baseline } from '../engine/triage/baseline.ts';
import type { Settings } from '../settings/types.ts';
import { SettingsError } from '../settings/types.ts';
import { refuseForeignInventory, writeBaseline } from '../settings/load.ts';
import { namedError } from './kit.ts';
import { redactWords } from '../util/redact.ts';
import { whenReaderGoes } from './stdout.ts';


export interface FleetCommand {
  /** `--targets FILE`, `-` for standard input; or an inventory already made (the settings file's targets). */
  readonly inventory: string | LoadedInventory;
  /** Connection flags of the command line: they win over the inventory's. */
  readonly flags: TargetFlags;
  readonly kind: DeploymentKind | undefined;
  /** Failure domains of the deployments' nodes (--host-key). */
  readonly hostKey: HostKeyMap | undefined;
  /** `--node-override`: how every deployment entry's nodes are reached, where the entry's `nodeOverrides` does not say. */
  readonly nodeOverrides?: ReadonlyMap<string, Target> | undefined;
  readonly options: FleetOptions;
  readonly plan: OutputPlan;
  readonly settings: Settings | undefined;
  readonly baseline: Baseline | undefined;
  /** Where the baseline was read from (named in warnings about entries that match nothing). */
  readonly baselinePath?: string;
  /** `--baseline-write FILE`: where the fleet's failures are recorded; `force` writes through a link or into a FIFO. */
  readonly baselineWrite?: { readonly path: string; readonly force: boolean };
  readonly failOn: Severity | 'none';
  readonly summaryOnly: boolean;
  readonly quiet: boolean;
  readonly color: boolean;
  readonly env: Record<string, string | undefined>;
}

/** What the caller supplies: how to render the formats that need the whole report, and where output goes. */
export interface FleetIo {
  render(format: string, report: AuditReport, forStdout: boolean): Promise<string>;
  /**
   * The report of `format` as UTF-8 in chunks, as they are made, for a format made so (JSON); else undefined. A chunk
   * is valid until the next one is asked for.
   */
  renderChunks?(format: string, report: AuditReport): Promise<Iterable<Uint8Array> | undefined>;
  /** Writes to standard output; false when the text waits in memory for its reader (see {@link drainStdout}). */
  writeStdout(text: string | Uint8Array): boolean | void;
  /** Resolves when the reader has taken what waited, or has gone away. */
  drainStdout?(): Promise<void>;
  /** One line on stderr with its control characters escaped (src/cli/kit.ts say): a server's or a file's text is safe. */
  say(message: string): void;
}

async function readStream(stream: AsyncIterable<Buffer>, limit: number, shown: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) throw new SettingsError(`${shown}: the inventory is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Whether `--targets PATH` is a pipe of the running user's: `--targets <(grep prod hosts.txt)` (/dev/fd/63) or
 * `… | redfort audit --targets /dev/stdin`, read as `-` reads standard input (QA42-13); they were refused as 'a FIFO,
 * not a regular file'. A pipe of another user's is still refused, as any file that is not a regular one.
 */
function ownPipe(path: string): boolean {
  try {
    const info = statSync(path);
    return info.isFIFO() && info.uid === process.getuid?.();
  } catch {
    return false;
  }
}

/**
 * A live line on a terminal's stderr: what is done out of what the run has, failures so far, ETA. Nothing when stderr
 * is not a TTY. The count is of inventory entries, the one total known from the start: an entry marked as a
 * deployment (replication, cluster, sentinel) gives a target per node and one for the deployment, known only once
 * its nodes are found, and is done when the last of them is. Counting targets instead, the total grew as a
 * deployment's came (`2/2`, `3/3` … `8/8 targets audited` with the rest of the fleet still running, its ETA gone).
 * An inventory of plain servers reads `37/200 targets audited, …`; one with a deployment `1/2 entries audited,
 * 7 targets: 2 with failures, 0 not audited, ETA 4s` (failures and errors are of targets).
 */
class Progress {
  readonly #start = Date.now();
  readonly #entries: number;
  /** Some entry is a deployment: entries and targets differ. */
  readonly #deployments: boolean;
  readonly #write: (text: string) => void;
  /** The terminal's width, read at each redraw (a window resized meanwhile is drawn at its new width). */
  readonly #columns: () => number | undefined;
  #entriesDone = 0;
  #targets = 0;
  #failed = 0;
  #errors = 0;
  #last = 0;
  #shown = false;
  constructor(entries: readonly FleetEntry[], write: (text: string) => void = (text) => process.stderr.write(text), columns: () => number | undefined = () => process.stderr.columns) {
    this.#entries = entries.length;
    this.#deployments = entries.some((e) => 'target' in e && e.kind !== undefined);
    this.#write = write;
    this.#columns = columns;
  }
  /** A target is done (a deployment's node, or the deployment itself): counted, drawn with its entry. */
  target(failed: boolean, error: boolean): void {
    this.#targets += 1;
    if (failed) this.#failed += 1;
    if (error) this.#errors += 1;
  }
  /** Every target of an entry is done. */
  entryDone(): void {
    this.#entriesDone += 1;
    const done = this.#entriesDone;
    const total = this.#entries;
    const now = Date.now();
    // At most ten redraws a second, and always the last one.
    if (now - this.#last < 100 && done < total) return;
    this.#last = now;
    const elapsed = (now - this.#start) / 1000;
    const eta = done < total ? Math.ceil((elapsed / done) * (total - done)) : 0;
    const tail = done < total ? `, ETA ${formatSeconds(eta)}` : '';
    const counts = `${this.#failed} with failures, ${this.#errors} not audited`;
    const targets = `${this.#targets} target${this.#targets === 1 ? '' : 's'}`;
    const head = this.#deployments ? `${done}/${total} entries audited, ${targets}: ${counts}` : `${done}/${total} targets audited, ${counts}`;
    let text = `redfort: ${head}${tail}`;
    // Never wider than the terminal (less one column, where some terminals wrap): a line that wraps leaves its first
    // rows behind at each redraw, since \r and ESC[2K reach only the last (QA42-18). Shorter words first, then cut.
    const columns = this.#columns();
    if (columns !== undefined && columns > 1 && text.length > columns - 1) {
      const short = `${this.#failed} failing, ${this.#errors} not audited`;
      text = `redfort: ${this.#deployments ? `${done}/${total} entries, ${targets}: ${short}` : `${done}/${total}, ${short}`}${tail}`;
      if (text.length > columns - 1) text = text.slice(0, columns - 1);
    }
    this.#write(`\r\x1b[2K${text}`);
    this.#shown = true;
  }
  /** Takes the line off the screen; the next update draws it again, however soon. */
  clear(): void {
    if (this.#shown) this.#write('\r\x1b[2K');
    this.#shown = false;
    this.#last = 0;
  }
}

/**
 * Writes text to files through one buffer, reused (a {@link ChunkWriter}): `writeSync(fd, string)` makes a Buffer
 * of each string (about 55 KB for a fleet target's line), garbage that a fleet of thousands piles up between
 * collections. Nothing is written until {@link FileWriter.flush} or the buffer is full.
 */
export class FileWriter {
  readonly #writer: ChunkWriter | undefined;

  /** `files`: the report files written, each with its format for the error that names it when a write fails. */
  constructor(files: readonly { readonly fd: number; readonly path: string; readonly format: string }[]) {
    const toFiles = (chunk: Uint8Array): void => {
      for (const f of files) writeReport(f, f.format, chunk);
    };
    this.#writer = files.length > 0 ? new ChunkWriter(toFiles) : undefined;
  }

  add(text: string): void {
    this.#writer?.text(text);
  }

  /** Bytes already encoded (a worker thread's line): written as they are, after what the buffer holds. */
  addBytes(bytes: Uint8Array): void {
    this.#writer?.bytes(bytes);
  }

  flush(): void {
    this.#writer?.flush();
  }
}

/** A report file that could not be opened or written, as the one-line error that names it. */
function reportWriteError(format: string, path: string, error: unknown): SettingsError {
  return new SettingsError(`cannot write the ${format} report to '${path}': ${fsErrorText(error)}`);
}

/** {@link writeAll} to a report file, a failed write an error that names it. */
function writeReport(file: { readonly path: string; readonly fd: number }, format: string, bytes: Uint8Array): void {
  try {
    writeAllSync(file.fd, bytes);
  } catch (error) {
    throw reportWriteError(format, file.path, error);
  }
}

function formatSeconds(s: number): string {
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * The streamed report files of a run (JSON Lines, JSON), each written to a temporary file beside its destination
 * (src/util/write-file.ts openStagedOutput) that replaces it once the run is over and has read none of them: a local
 * target's redis.conf named as the output was opened and cut at the start of the run, before its end could see that
 * the audit (perhaps a worker thread's) had read it. A run that ends otherwise removes them, the destinations untouched.
 */
class StagedFiles {
  readonly #files: { readonly path: string; readonly format: string; readonly output: StagedOutput; done: boolean }[] = [];

  /** Opens the output of `f`'s temporary file; a failure is the one-line error that names it. */
  open(f: OutputPlan['files'][number]): { path: string; fd: number } {
    try {
      const output = openStagedOutput(f.path);
      this.#files.push({ path: f.path, format: f.format, output, done: false });
      return { path: f.path, fd: output.fd };
    } catch (error) {
      throw reportWriteError(f.format, f.path, error);
    }
  }

  /** Puts every file in place (after the last check that none of them is a file the run read). */
  commit(): void {
    for (const f of this.#files) {
      try {
        f.done = true;
        f.output.commit();
      } catch (error) {
        throw reportWriteError(f.format, f.path, error);
      }
    }
  }

  /** Removes the temporary files not put in place. */
  abort(): void {
    for (const f of this.#files) {
      if (f.done) continue;
      f.done = true;
      f.output.abort();
    }
  }
}

/** Reads and loads the `--targets` file (`-`: standard input). */
async function readInventory(file: string, cmd: FleetCommand): Promise<LoadedInventory> {
  const shown = file === '-' ? '<stdin>' : file;
  const pipe = file !== '-' && ownPipe(file);
  let text: string;
  try {
    text = file === '-' ? await readStream(process.stdin as AsyncIterable<Buffer>, MAX_INVENTORY_BYTES, shown)
      : pipe ? await readStream(createReadStream(file) as AsyncIterable<Buffer>, MAX_INVENTORY_BYTES, shown)
      : await readTextFile(file, { maxBytes: MAX_INVENTORY_BYTES, check: (fd) => refuseForeignInventory(file, fd) });
  } catch (error) {
    if (error instanceof SettingsError) throw error;
    throw new SettingsError(`${shown}: cannot read the --targets file: ${fsErrorText(error, shown)}`);
  }
  // A pipe's relative passwordFile paths are the working directory's, as standard input's are.
  const baseDir = file === '-' || pipe ? process.cwd() : dirname(resolve(file));
  return loadInventory({ text, name: shown, baseDir }, { flags: cmd.flags, kind: cmd.kind, hostKey: cmd.hostKey, nodeOverrides: cmd.nodeOverrides, env: cmd.env, options: cmd.options, settings: cmd.settings });
}

/**
 * `redfort audit --targets FILE`: audits an inventory's targets, each with its own credentials and labels;
 * streams JSON Lines as targets finish, keeps only a line per target unless a format needs the whole report,
 * prints the fleet summary (worst first, totals per rule) above the details.
 *
 * @returns the exit code: 2 when a target could not be audited, 1 when a failure reaches --fail-on, else 0.
 */
export async function runFleetAudit(cmd: FleetCommand, io: FleetIo): Promise<number> {
  const staged = new StagedFiles();
  try {
    return await fleetAudit(cmd, io, staged);
  } finally {
    staged.abort();
  }
}

async function fleetAudit(cmd: FleetCommand, io: FleetIo, staged: StagedFiles): Promise<number> {
  const reads = recordReads();
  const inventory = typeof cmd.inventory === 'string' ? await readInventory(cmd.inventory, cmd) : cmd.inventory;
  for (const w of inventory.warnings) io.say(`warning: ${w}`);
  const { secrets } = inventory;
  // No output over a file read (the inventory, its password files, settings, baseline): refused before the audit.
  // What the audit reads (a local target's redis.conf and ACL file, in this thread or a worker's) is known at its
  // end, and checked then: until then the streamed outputs go to temporary files (StagedFiles).
  refuseOutputsRead(cmd.plan, cmd.baselineWrite?.path, cmd.baselinePath, reads);

  // JSON Lines go out as targets finish, and a JSON file as each target and those before it are done; the other
  // formats need the whole report, and so does the text report unless only its summary is asked for.
  const streamed = cmd.plan.files.filter((f) => f.format === 'jsonl');
  const stdoutJsonl = cmd.plan.stdout === 'jsonl';
  const keepAll = cmd.plan.files.some((f) => f.format !== 'jsonl' && f.format !== 'json') || (cmd.plan.stdout !== undefined && cmd.plan.stdout !== 'jsonl' && !(cmd.plan.stdout === 'text' && cmd.summaryOnly));
  const open = (f: OutputPlan['files'][number]): { path: string; fd: number; close(): void } => {
    try {
      return { path: f.path, ...openOutputSync(f.path) };
    } catch (error) {
      throw reportWriteError(f.format, f.path, error);
    }
  };
  const sinks = streamed.map((f) => staged.open(f));
  const root = process.cwd();
  // The JSON files: the targets' results are written in the inventory's order and none is kept for them (a
  // fleet's report is 50 KB a target; kept, the results were most of the heap the collector copied and kept).
  const jsonFiles = cmd.plan.files.filter((f) => f.format === 'json').map((f) => staged.open(f));
  const json = jsonFiles.length > 0 ? new JsonReportStream(reportTool(), root) : undefined;
  const writeJson = (chunks: Iterable<Uint8Array>): void => {
    for (const chunk of chunks) for (const f of jsonFiles) writeReport(f, 'json', chunk);
  };
  // A failed write names its file ('cannot write the jsonl report to …'), not 'unexpected error: ENOSPC'.
  const files = new FileWriter(sinks.map((s) => ({ fd: s.fd, path: s.path, format: 'jsonl' })));
  /** One line, whole or in pieces: written to the files at once (a line ends with its line feed). */
  const emit = (line: string | JsonlLine) => {
    if (line instanceof Uint8Array) {
      files.addBytes(line);
      if (stdoutJsonl) io.writeStdout(Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString('utf8'));
    } else if (typeof line === 'string') {
      files.add(line);
      if (stdoutJsonl) io.writeStdout(line);
    } else if (stdoutJsonl) {
      const pieces: string[] = [];
      line((piece) => {
        files.add(piece);
        pieces.push(piece);
      });
      io.writeStdout(pieces.join(''));
    } else {
      line((piece) => files.add(piece));
    }
    files.flush();
  };

  const progress = process.stderr.isTTY === true && !cmd.quiet ? new Progress(inventory.entries) : undefined;
  // JSON Lines to standard output go out while the run goes: a reader that goes away then (`| head -1`) cuts it
  // short, and the run's own code is not known yet. Exit 2, as for targets not audited, and say how far it got: the
  // EPIPE handler (src/cli/stdout.ts) exits with process.exitCode, which was unset, hence 0 whatever was found (QA42-10).
  let entriesDone = 0;
  if (stdoutJsonl) {
    process.exitCode = 2;
    whenReaderGoes(() => `standard output closed after ${entriesDone} of ${inventory.entries.length} entries: the rest not audited`);
  }
  let run: Awaited<ReturnType<typeof auditInventory>>;
  try {
    run = await auditInventory(inventory, {
      settings: cmd.settings,
      baseline: cmd.baseline,
      ...(cmd.baselinePath !== undefined ? { baselinePath: cmd.baselinePath } : {}),
      ...(cmd.baselineWrite !== undefined ? { recordBaseline: true } : {}),
      failOn: cmd.failOn,
      keepResults: keepAll,
      root,
      // Serialized only when a JSON Lines output takes it, where the target was audited (a worker thread's line
      // crosses back as one string, its result only when a format needs the whole report).
      jsonl: sinks.length > 0 || stdoutJsonl,
      ...(json ? { onJsonInOrder: (entry: JsonEntry) => writeJson(json.target(entry)) } : {}),
      onLine: (line, jsonl) => {
        if (jsonl !== undefined) {
          // JSON Lines on the same terminal as the progress line: each starts on a line of its own, not after the
          // progress text, which is drawn again below it.
          if (stdoutJsonl && process.stdout.isTTY === true) progress?.clear();
          emit(jsonl);
        }
        progress?.target(line.worst !== undefined, line.error !== undefined);
      },
      ...(progress || stdoutJsonl ? {
        onEntryDone: () => {
          entriesDone += 1;
          progress?.entryDone();
        },
      } : {}),
    });
  } finally {
    whenReaderGoes(undefined);
  }
  progress?.clear();

  const { report, lines } = run;
  const { summary, warnings = [] } = report;
  const code = summary.targetErrors > 0 ? 2 : run.failedOn ? 1 : 0;
  // Known before the rest of the report is written: a reader that goes away in the middle of it (EPIPE:
  // src/cli/stdout.ts exits with process.exitCode) ends the run with it.
  process.exitCode = code;
  // Every file the run read is known now, a worker thread's too (src/app/pool.ts): no output is in place yet.
  refuseOutputsRead(cmd.plan, cmd.baselineWrite?.path, cmd.baselinePath, reads);
  if (cmd.baselineWrite !== undefined && run.recordedBaseline) await writeBaseline(cmd.baselineWrite.path, run.recordedBaseline, { force: cmd.baselineWrite.force });
  const { targets: _targets, ...head } = report;
  emit(jsonlSummary(head));
  if (json) writeJson(json.end(report));
  staged.commit();

  // The formats made whole (JSON Lines and JSON files went out as the run went).
  for (const file of cmd.plan.files) {
    if (file.format === 'jsonl' || file.format === 'json') continue;
    const content = await io.render(file.format, report, false);
    const f = open(file);
    try {
      const writer = new FileWriter([{ fd: f.fd, path: f.path, format: file.format }]);
      writer.add(content);
      writer.flush();
    } catch (error) {
      // A failed system call is the file's; anything else is not a write error, and goes on as it is.
      if ((error as NodeJS.ErrnoException).syscall === undefined) throw error;
      throw reportWriteError(file.format, f.path, error);
    } finally {
      f.close();
    }
  }
  if (cmd.plan.stdout === 'text') {
    const { fleetSummaryText } = await import('../report/fleet-text.ts');
    io.writeStdout(fleetSummaryText(lines, run.totals, summary, {
        color: cmd.color,
        entries: inventory.entries.length,
        ...(cmd.settings?.disabledBy !== undefined ? { turnedOff: { rules: cmd.settings.disabledBy.size, path: cmd.settings.path } } : {}),
        // The text report below says them; alone, the summary does.
        ...(cmd.summaryOnly ? { warnings } : {}),
      }));
    if (!cmd.summaryOnly) io.writeStdout(await io.render('text', report, true));
  } else if (cmd.plan.stdout !== undefined && cmd.plan.stdout !== 'jsonl') {
    // A report made in chunks (JSON) goes out a chunk (64 KiB) at a time, as to a file: made whole, 2,000 dead
    // targets' 50 MB report took 350 MB of memory on its way to standard output, 110 MB to a file.
    const chunks = await io.renderChunks?.(cmd.plan.stdout, report);
    if (chunks) {
      // A pipe's reader may be slower than the report is made: each chunk (a copy: the next one reuses its buffer)
      // waits until the last one is taken.
      for (const chunk of chunks) if (io.writeStdout(Buffer.from(chunk)) === false) await io.drainStdout?.();
    } else {
      io.writeStdout(await io.render(cmd.plan.stdout, report, true));
    }
  }
  if (!cmd.quiet) {
    // Each error as the report has it: masked already with its own target's password (scrubPassword), the only
    // one a server reached with it could echo. Masked again with every password of the run, a password `file` made
    // another target's 'no such file' read 'no such ***', which told what it was, and stderr said other words than
    // the report (QA42-9).
    for (const l of lines) if (l.error !== undefined) io.say(namedError(l.target, l.error));
  }
  // A target whose credentials were withheld (its certificate did not verify to a trusted CA) is named: the fleet
  // report is otherwise silent on what a single audit warns of, and the reader must know why it was half audited.
  for (const l of lines) if (l.withheld !== undefined) io.say(`warning: ${l.target}: ${l.withheld}`);
  // A deployment entry's own warnings (a --host-key file naming none of its nodes…), as a single audit says them.
  for (const l of lines) for (const w of l.warnings ?? []) io.say(`warning: ${l.target}: ${redactWords(w, secrets)}`);
  // A target that wants a password and was given none (an inventory entry without passwordEnv) is named as a single
  // audit warns of it, unless --quiet: its summary line is marked NOAUTH either way.
  if (!cmd.quiet) for (const l of lines) if (l.error === undefined && l.noCredentials !== undefined && l.withheld === undefined) io.say(`warning: ${l.target}: ${l.noCredentials.warning}`);
  // The inventory's own were said as it was read (src/app/inventory.ts puts them in the report too: QA42-16).
  const inventorySaid = new Set(inventory.warnings);
  for (const w of warnings) if (!inventorySaid.has(w.message)) io.say(`warning: ${redactWords(w.message, secrets)}`);
  return code;
}
