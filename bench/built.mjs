// The benchmarks measure the CLI as it is built with a redis-server installed: its code cache then holds a live
// audit (scripts/train-cli.ts). `npm install` on a machine without one builds a cache of the offline audits alone
// and says so in dist/cli-main.cache.offline; this builds again (a redis-server is installed by now: every
// benchmark starts some). REDFORT_BENCH_NO_BUILD=1 leaves dist/ as it is.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;

export function ensureBuilt() {
  if (process.env.REDFORT_BENCH_NO_BUILD === '1') return;
  if (existsSync(`${root}dist/cli.cjs`) && !existsSync(`${root}dist/cli-main.cache.offline`)) return;
  process.stderr.write('bench: building the CLI (its code cache lacked the live audit, or it was not built)\n');
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('bench: npm run build failed');
  if (existsSync(`${root}dist/cli-main.cache.offline`)) throw new Error('bench: no redis-server to train the code cache on: install redis-server');
}
