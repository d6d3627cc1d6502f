import { packageVersion } from '../package-root.ts';
import { guardStdout } from './stdout.ts';

// The CLI run from the sources (`node --import tsx src/cli/bin.ts`); the built CLI starts at src/cli/start.ts.
// `redfort --version` answers before the rest of the CLI is loaded.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  guardStdout();
  process.stdout.write(`${packageVersion()}\n`);
} else {
  const { main } = await import('./main.ts');
  await main(argv);
}
