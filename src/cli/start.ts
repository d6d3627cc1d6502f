import { join } from 'node:path';
import { packageVersion } from '../package-root.ts';
import { guardStdout } from './stdout.ts';
import { isFleetRun, loadBundle, setFleetV8Flags } from './bundle.ts';
import { startEarlyPoolWorker } from './early-pool.ts';

/**
 * The built CLI's entry (dist/cli.cjs, which the `redfort` command, bin/redfort.cjs, requires). CommonJS, as the bundle is: the ES module
 * loader reads, compiles and links each module on its own, and a start went through two more of them
 * (dist/cli.mjs, then the chunk that loaded the bundle). `redfort --version` answers here, before the rest of the
 * CLI is loaded (the version is inlined at build time); the rest is the bundle with the V8 code cache the build
 * made for it (src/cli/bundle.ts). Run from the sources, src/cli/bin.ts is the entry.
 */
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  guardStdout();
  process.stdout.write(`${packageVersion()}\n`);
} else {
  // A fleet run has V8 flags of its own, and its own code cache made under them (src/cli/bundle.ts). They are the
  // process's, and set here only, before any JS of the run: they are the flags of its worker threads too, which
  // load the code cache made under them (src/cli/worker.ts). A run of the settings file's targets keeps V8's. The
  // built-in modules a fleet loads anyway are loaded first, with Node's own code cache (src/cli/bundle.ts FLEET_BUILTINS).
  const fleet = isFleetRun(argv);
  if (fleet) setFleetV8Flags();
  // A fleet's worker thread starts now, beside the loading of the bundle (src/cli/early-pool.ts).
  const early = startEarlyPoolWorker(argv, join(__dirname, 'cli-worker.cjs'));
  const { exports } = loadBundle(join(__dirname, 'cli-main.cjs'), join(__dirname, fleet ? 'cli-main.fleet.cache' : 'cli-main.cache'));
  const cli = exports as typeof import('./main.ts');
  if (fleet) cli.declareFleetV8Flags();
  if (early) cli.offerPoolWorker(early);
  void cli.main(argv);
}
