import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRedis, stopAll } from './harness/servers.ts';
import type { RunningServer } from './harness/servers.ts';
import { ROOT, build, runNode } from './report/cli-run.ts';

// What a CLI run loads of Node's own modules (issue 15: load only what a run needs). Node compiles each module it
// did not take from its start-up snapshot on first use; a plaintext audit of one server needs none of these.
after(stopAll);

/** The `redfort` command: package.json's "bin". */
const BIN = join(ROOT, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { redfort: string } }).bin.redfort);

/** Node's own modules (`process.moduleLoadList`, without the `NativeModule ` prefix) that a CLI run loaded. */
async function loadedBy(dir: string, args: readonly string[]): Promise<{ modules: Set<string>; stdout: string }> {
  const list = join(dir, `modules-${Math.random().toString(36).slice(2)}.txt`);
  const preload = join(dir, 'record-modules.cjs');
  writeFileSync(preload, "process.on('exit', () => require('fs').writeFileSync(process.env.REDFORT_TEST_MODULES, process.moduleLoadList.join('\\n')));\n");
  const run = await runNode(['--require', preload, BIN, ...args], { env: { REDFORT_TEST_MODULES: list } });
  assert.ok(run.code === 0 || run.code === 1, `exit ${run.code}: ${run.stderr}`);
  const modules = new Set(readFileSync(list, 'utf8').split('\n').filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)));
  return { modules, stdout: run.stdout };
}

/** Modules that a plaintext audit of a local server has no use for. */
const UNNEEDED = ['tls', '_tls_wrap', 'child_process', 'dgram', 'perf_hooks', 'http', 'https', 'readline', 'worker_threads'];

describe('what a CLI run loads of Node', () => {
  let dir: string;
  let plain: RunningServer;
  let secure: RunningServer;
  before(async () => {
    await build();
    dir = mkdtempSync(join(tmpdir(), 'redfort-start-'));
    [plain, secure] = await Promise.all([startRedis(), startRedis({ tls: { authClients: 'no' } })]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a plaintext audit of one server loads neither TLS, nor child processes, nor perf_hooks', async () => {
    const { modules, stdout } = await loadedBy(dir, ['audit', plain.url, '--format', 'json']);
    assert.ok(stdout.includes('"ruleId"'), 'the audit ran');
    // What the audit uses is recorded, so that the absence of the rest means something.
    for (const used of ['net', 'vm', 'fs/promises']) assert.ok(modules.has(used), `${used} is not in the list: ${[...modules].join(' ')}`);
    assert.deepEqual(UNNEEDED.filter((m) => modules.has(m)), []);
  });

  it('a text audit of one server loads no node:crypto (the code cache is checked by zlib\'s CRC-32 where Node has it)', async () => {
    const { modules, stdout } = await loadedBy(dir, ['audit', plain.url, '--no-color']);
    assert.match(stdout, /auth\.no-authentication/, 'the audit ran');
    // Node before 20.15 has no zlib.crc32: the loader checks the cache by SHA-1 there, and crypto is loaded for it.
    const crc = typeof (await import('node:zlib')).crc32 === 'function';
    assert.equal(modules.has('crypto'), !crc, `crypto ${modules.has('crypto') ? 'loaded' : 'not loaded'}; zlib.crc32 ${crc ? 'present' : 'absent'}`);
  });

  it('an audit of a TLS server loads TLS when it needs it, and reports the same', async () => {
    const { modules, stdout } = await loadedBy(dir, ['audit', secure.url, '--cacert', secure.certs!.ca, '--format', 'json']);
    assert.ok(modules.has('tls'), 'tls is loaded for a TLS target');
    const report = JSON.parse(stdout) as { targets: { error?: string; results: { ruleId: string; status: string }[] }[] };
    assert.equal(report.targets[0]!.error, undefined);
    assert.equal(report.targets[0]!.results.find((r) => r.ruleId === 'tls.disabled')?.status, 'pass');
  });

  it('`--version` loads neither the bundle nor the modules an audit needs', async () => {
    const { modules, stdout } = await loadedBy(dir, ['--version']);
    assert.equal(stdout, `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
    // (net is loaded here all the same: the test reads stdout through a pipe, which Node writes with a net.Socket.)
    assert.deepEqual(['vm', 'crypto', 'fs/promises', 'zlib', ...UNNEEDED].filter((m) => modules.has(m)), []);
    // The command is CommonJS: Node's ES module loader (which reads a module through fs/promises) never starts.
    assert.deepEqual(['internal/modules/esm/translators', 'internal/modules/esm/resolve', 'internal/modules/esm/module_job'].filter((m) => modules.has(m)), []);
  });
});
