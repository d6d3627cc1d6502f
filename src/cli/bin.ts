import { packageVersion } from '../package-root.ts';

/** Set by the build (scripts/build.mjs `define`): the rest of the CLI is the CommonJS bundle beside this file. */
declare const __REDFORT_CLI_BUNDLE__: string | undefined;

// `redfort --version` answers before the rest of the CLI is loaded: the version is inlined at build time.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${packageVersion()}\n`);
} else if (typeof __REDFORT_CLI_BUNDLE__ === 'string') {
  // Built: the CLI's code with the V8 code cache the build made for it (src/cli/bundle.ts).
  const { loadBundle } = await import('./bundle.ts');
  const { fileURLToPath } = await import('node:url');
  const file = (ext: string) => fileURLToPath(new URL(`./${__REDFORT_CLI_BUNDLE__}${ext}`, import.meta.url));
  const { exports } = loadBundle(file('.cjs'), file('.cache'));
  await (exports as typeof import('./main.ts')).main(argv);
} else {
  const { main } = await import('./main.ts');
  await main(argv);
}
