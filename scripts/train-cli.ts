// Makes the V8 code cache of the CLI's bundle (run by scripts/build.mjs in a fresh node, bundled by esbuild):
// loads the bundle as a run does (src/cli/bundle.ts), runs offline audits of the examples' files through the CLI
// so that what every audit runs (the command line, settings, the config-file parser, every rule, the JSON and
// text reports) is compiled, then writes the cache. Usage: node train.mjs BUNDLE CACHE EXAMPLES_DIR
import { writeFileSync } from 'node:fs';
import { loadBundle } from '../src/cli/bundle.ts';
import type { main as Main } from '../src/cli/main.ts';

const [bundle, cache, examples] = process.argv.slice(2);
if (!bundle || !cache || !examples) throw new Error('usage: train-cli BUNDLE CACHE EXAMPLES_DIR');
const loaded = loadBundle(bundle, `${cache}.none`);
const main = loaded.exports.main as typeof Main;
for (const args of [
  ['audit', '--config', `${examples}/legacy/redis.conf`, '--redis-version', '7.0.15', '--format', 'json', '--fail-on', 'none'],
  ['audit', '--config', `${examples}/hardened/redis.conf`, '--acl', `${examples}/hardened/users.acl`, '--redis-version', '7.2.4', '--fail-on', 'none'],
]) {
  await main(args);
  if (process.exitCode !== 0 && process.exitCode !== undefined) throw new Error(`training run failed: redfort ${args.join(' ')}`);
}
writeFileSync(cache, loaded.cacheData());
