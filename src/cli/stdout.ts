import { fsErrorText } from '../util/fs-error.ts';

/** What a run still streaming says when its reader goes away (set by {@link whenReaderGoes}). */
let readerGoneNote: (() => string) | undefined;

/**
 * While a run streams its report to standard output (a fleet's JSON Lines), a reader that goes away cuts it short:
 * `note` says how far it got, on stderr, and the exit code set meanwhile (process.exitCode) is the run's. Undefined
 * when the stream is over.
 */
export function whenReaderGoes(note: (() => string) | undefined): void {
  readerGoneNote = note;
}

/**
 * A reader that went away (EPIPE: `redfort … | head`) ends the run quietly with the exit code it had, as cat does;
 * any other failure to write standard output (`> /dev/full`, a full disk or quota, a broken NFS mount) is one line
 * in the words of `-o FORMAT=FILE` and exit 2: never the stack of an unhandled write error, nor exit 1, which reads
 * as findings. Small on purpose: the built CLI's entry (src/cli/start.ts) answers `--version` with it.
 */
function onStdoutError(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE') {
    const note = readerGoneNote?.();
    if (note !== undefined) process.stderr.write(`redfort: ${note}\n`);
    process.exit(process.exitCode ?? 0);
  }
  process.stderr.write(`redfort: cannot write to standard output: ${fsErrorText(error)}\n`);
  process.exit(2);
}

/**
 * A standard error that cannot be written (EPIPE: `redfort … 2>&1 >/dev/null | head -0`, or a full disk) is no
 * failure of the run: its lines are lost and the run ends with its own exit code (QA36-7: the unhandled EPIPE made
 * Node exit 1, which reads as findings, for a target that could not be reached, exit 2). There is nowhere to say it.
 */
function onStderrError(): void {}

/** Handles the errors of standard output and standard error as above; once per process (main runs again in one process in the tests). */
export function guardStdout(): void {
  if (!process.stdout.listeners('error').includes(onStdoutError)) process.stdout.on('error', onStdoutError);
  if (!process.stderr.listeners('error').includes(onStderrError)) process.stderr.on('error', onStderrError);
}
