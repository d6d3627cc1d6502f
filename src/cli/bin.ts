import { packageVersion } from '../package-root.ts';

// `redfort --version` answers before the rest of the CLI is loaded: the version is inlined at build time.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${packageVersion()}\n`);
} else {
  const { main } = await import('./main.ts');
  await main(argv);
}
