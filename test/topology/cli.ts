import type { CliRun } from '../report/cli-run.ts';
import { runNode } from '../report/cli-run.ts';

export type Run = CliRun;

/** Runs the CLI from source (no build needed) with a clean environment; killed after 30 s. */
export function runCli(args: readonly string[]): Promise<Run> {
  return runNode(['--import', 'tsx', 'src/cli/bin.ts', ...args]);
}
