// Audits every real-world file of test/fixtures/corpus statically (parse, follow includes, judge every rule) and
// reports files per second. Usage: npm run build && node bench/corpus.mjs
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { auditFiles } from '../dist/index.mjs';

const corpus = resolve(import.meta.dirname, '../test/fixtures/corpus');
const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
const rows = readFileSync(join(corpus, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
const inputs = rows.map(([file, , , , kind]) => {
  const path = join(corpus, file);
  return kind === 'acl' ? { aclPath: path } : kind === 'sentinel.conf' ? { sentinelConfigPath: path } : { configPath: path };
});
let bytes = 0;
for (const [file] of rows) bytes += readFileSync(join(corpus, file)).length;
for (const input of inputs) await auditFiles(input); // warm-up
const start = performance.now();
let errors = 0;
for (let r = 0; r < rounds; r++) for (const input of inputs) if ((await auditFiles(input)).error) errors++;
const seconds = (performance.now() - start) / 1000;
const files = rounds * inputs.length;
console.log(`${inputs.length} corpus files (${(bytes / 1024).toFixed(0)} KiB), ${rounds} rounds: ${(files / seconds).toFixed(0)} files/s, ${((seconds * 1000) / files).toFixed(2)} ms per file; ${errors / rounds} refused per round (templates, missing includes, an ACL file with comments); peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
