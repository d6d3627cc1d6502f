import { fsErrorText } from '../util/fs-error.ts';

/**
 * A reader that went away (EPIPE: `redfort … | head`) ends the run quietly with the exit code it had, as cat does;
 * any other failure to write standard output (`> /dev/full`, a full disk or quota, a broken NFS mount) is one line
 * in the words of `-o FORMAT=FILE` and exit 2: never the stack of an unhandled write error, nor exit 1, which reads
 * as findings. Small on purpose: the built CLI's entry (src/cli/start.ts) answers `--version` with it.
 */
function onStdoutError(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`redfort: cannot write to standard output: ${fsErrorText(error)}\n`);
  process.exit(2);
}

/** Handles the errors of standard output as above; once per process (main runs again in one process in the tests). */
export function guardStdout(): void {
  if (!process.stdout.listeners('error').includes(onStdoutError)) process.stdout.on('error', onStdoutError);
}
