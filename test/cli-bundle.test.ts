import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRedis, stopAll } from './harness/servers.ts';
import { ROOT, build, runCli, runNode } from './report/cli-run.ts';

// The CLI's bundle and the V8 code cache the build made for it (src/cli/bundle.ts): taken by the Node that built
// it, never used for another bundle or when damaged, and the CLI works the same with or without it.

const BUNDLE = join(ROOT, 'dist', 'cli-main.cjs');
const CACHE = join(ROOT, 'dist', 'cli-main.cache');
const FLEET_CACHE = join(ROOT, 'dist', 'cli-main.fleet.cache');

/** Loads `bundle` with `cache` in a fresh node (as a run does) and prints whether the cache was taken, then `--version`. */
function load(bundle: string, cache: string, nodeFlags: readonly string[] = []) {
  const script = [
    "import { loadBundle } from './src/cli/bundle.ts';",
    `const loaded = loadBundle(${JSON.stringify(bundle)}, ${JSON.stringify(cache)});`,
    "process.stdout.write(`cached=${loaded.cached}\\n`);",
    "await loaded.exports.main(['--version']);",
  ].join('\n');
  return runNode([...nodeFlags, '--import', 'tsx', '--input-type=module', '-e', script]);
}

after(stopAll);

describe('the CLI bundle and its code cache', () => {
  let dir: string;
  before(async () => {
    await build();
    dir = mkdtempSync(join(tmpdir(), 'redfort-bundle-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is written inside CommonJS\'s wrapper, so that its text is compiled as it is (src/cli/bundle.ts)', async () => {
    const { WRAPPER_HEAD, WRAPPER_TAIL } = await import('../src/cli/bundle.ts');
    const text = readFileSync(BUNDLE, 'utf8');
    assert.ok(text.startsWith(WRAPPER_HEAD), text.slice(0, 100));
    assert.ok(text.includes(`${WRAPPER_TAIL}\n//# sourceMappingURL=`), text.slice(-100));
  });

  it('is taken by the node that built it', async () => {
    // The tests run with a redis-server installed: the build trained the cache on a live audit too.
    assert.equal(existsSync(`${CACHE}.offline`), false, `${CACHE}.offline: the build found no redis-server`);
    const run = await load(BUNDLE, CACHE);
    assert.equal(run.stdout, 'cached=true\n0.1.0\n', run.stderr);
  });

  it('a fleet run\'s (--targets) is taken under its V8 flags, in the main thread and in a worker thread alike', async () => {
    // src/cli/start.ts and src/cli/worker.ts load it so; the build trains it under the same flags (else refused in
    // both), and the flags are the process's: a worker that the run starts takes them from the main thread, and
    // never sets them itself.
    const args = `${JSON.stringify(BUNDLE)}, ${JSON.stringify(FLEET_CACHE)}, FLEET_V8_FLAGS`;
    const worker = [
      "require('tsx/cjs/api').register();",
      "const { loadBundle } = require('./src/cli/bundle.ts');",
      `const loaded = loadBundle(${JSON.stringify(BUNDLE)}, ${JSON.stringify(FLEET_CACHE)});`,
      "require('node:worker_threads').parentPort.postMessage(loaded.cached);",
    ].join('\n');
    const script = [
      "import { Worker } from 'node:worker_threads';",
      "import { FLEET_V8_FLAGS, loadBundle } from './src/cli/bundle.ts';",
      `const loaded = loadBundle(${args});`,
      "process.stdout.write(`main cached=${loaded.cached}\\n`);",
      `const worker = new Worker(${JSON.stringify(worker)}, { eval: true, execArgv: [] });`,
      "worker.on('message', (cached) => { process.stdout.write(`worker cached=${cached}\\n`); void worker.terminate(); });",
    ].join('\n');
    const run = await runNode(['--import', 'tsx', '--input-type=module', '-e', script]);
    assert.equal(run.stdout, 'main cached=true\nworker cached=true\n', run.stderr);
    // As src/cli/start.ts does: the flags set once, before the early worker starts (src/cli/worker.ts: it does not
    // set them again), then the main thread's bundle: both take the cache.
    const early = [
      "require('tsx/cjs/api').register();",
      "const { loadBundle } = require('./src/cli/bundle.ts');",
      `require('node:worker_threads').parentPort.postMessage(loadBundle(${JSON.stringify(BUNDLE)}, ${JSON.stringify(FLEET_CACHE)}).cached);`,
    ].join('\n');
    const once = await runNode(['--import', 'tsx', '--input-type=module', '-e', [
      "import { Worker } from 'node:worker_threads';",
      "import { FLEET_V8_FLAGS, loadBundle, setV8Flags } from './src/cli/bundle.ts';",
      'setV8Flags(FLEET_V8_FLAGS);',
      `const worker = new Worker(${JSON.stringify(early)}, { eval: true, execArgv: [] });`,
      `process.stdout.write(\`main cached=\${loadBundle(${JSON.stringify(BUNDLE)}, ${JSON.stringify(FLEET_CACHE)}).cached}\\n\`);`,
      "worker.on('message', (cached) => { process.stdout.write(`worker cached=${cached}\\n`); void worker.terminate(); });",
    ].join('\n')]);
    assert.equal(once.stdout, 'main cached=true\nworker cached=true\n', once.stderr);
    // Each cache is its runs' alone: the other's flags are other flags.
    const crossed = await runNode(['--import', 'tsx', '--input-type=module', '-e', [
      "import { FLEET_V8_FLAGS, loadBundle } from './src/cli/bundle.ts';",
      `process.stdout.write(\`cached=\${loadBundle(${JSON.stringify(BUNDLE)}, ${JSON.stringify(CACHE)}, FLEET_V8_FLAGS).cached}\\n\`);`,
    ].join('\n')]);
    assert.equal(crossed.stdout, 'cached=false\n', crossed.stderr);
  });

  it("a fleet run loads the built-in modules it needs before it sets its V8 flags, under which Node's own code cache of them is refused", async () => {
    // V8 takes the code cache embedded in Node for its own modules only under the flags it was made with: loaded
    // after FLEET_V8_FLAGS, net, crypto, zlib, vm, os and fs/promises were compiled from their source at every fleet
    // run (some 50 million instructions). The hook notes which modules were loaded when the flags were set.
    const { FLEET_BUILTINS } = await import('../src/cli/bundle.ts');
    const server = await startRedis();
    const targets = join(dir, 'fleet-targets.txt');
    writeFileSync(targets, `${server.url}\n`);
    const noted = join(dir, 'loaded-before-flags.json');
    const hook = join(dir, 'flags-hook.cjs');
    writeFileSync(hook, [
      "const v8 = require('node:v8');",
      'const set = v8.setFlagsFromString;',
      'let before;',
      'v8.setFlagsFromString = (flags) => { before ??= [...process.moduleLoadList]; return set(flags); };',
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(noted)}, JSON.stringify({ before, after: process.moduleLoadList })));`,
    ].join('\n'));
    const run = await runNode(['-r', hook, join(ROOT, 'bin', 'redfort.cjs'), 'audit', '--targets', targets, '--jobs', '1', '--format', 'json', '-o', join(dir, 'fleet.json'), '--fail-on', 'none', '--quiet']);
    assert.equal(run.code, 0, run.stderr);
    const { before, after } = JSON.parse(readFileSync(noted, 'utf8')) as { before?: string[]; after: string[] };
    assert.ok(before !== undefined, 'the fleet run set its V8 flags');
    for (const id of FLEET_BUILTINS) {
      const name = `NativeModule ${id.slice('node:'.length)}`;
      assert.ok(after.includes(name), `${name}: the run loads it`);
      assert.ok(before.includes(name), `${name} was loaded after the V8 flags were set`);
    }
  });

  it('is refused by V8 under other flags, and the CLI runs all the same', async () => {
    const run = await load(BUNDLE, CACHE, ['--max-old-space-size=200']);
    assert.equal(run.stdout, 'cached=false\n0.1.0\n', run.stderr);
  });

  it('is not used for another bundle of the same length: that bundle runs as it is written', async () => {
    // V8 checks only the text's length: without the digest, the cached bytecode of the old text would run.
    const text = readFileSync(BUNDLE, 'utf8');
    assert.equal(text.split('"0.1.0"').length, 2, 'the version appears once in the bundle');
    const other = join(dir, 'other.cjs');
    writeFileSync(other, text.replace('"0.1.0"', '"9.9.9"'));
    const run = await load(other, CACHE);
    assert.equal(run.stdout, 'cached=false\n9.9.9\n', run.stderr);
  });

  it('is not used when damaged or cut short', async () => {
    const bundle = join(dir, 'cli-main.cjs');
    copyFileSync(BUNDLE, bundle);
    const cache = readFileSync(CACHE);
    const damaged = Buffer.from(cache);
    damaged[Math.floor(cache.length / 2)]! ^= 0xff;
    const zeros = Buffer.from(cache);
    zeros[10] = 1;
    for (const [name, bytes] of [['damaged', damaged], ['cut', cache.subarray(0, cache.length - 1000)], ['empty', Buffer.alloc(0)], ['not zeros before the data', zeros]] as const) {
      writeFileSync(join(dir, name), bytes);
      const run = await load(bundle, join(dir, name));
      assert.equal(run.stdout, 'cached=false\n0.1.0\n', `${name}: ${run.stderr}`);
    }
    // A directory where the cache should be: no cache.
    mkdirSync(join(dir, 'a-directory'));
    const run = await load(bundle, join(dir, 'a-directory'));
    assert.equal(run.stdout, 'cached=false\n0.1.0\n', `a directory: ${run.stderr}`);
  });

  it("starts V8's data at a multiple of 8 bytes of the file, which V8 reads where it is", () => {
    // V8 copies cached data that does not start at a multiple of 8 in memory before reading it (a megabyte: some 265
    // page faults of a one-server audit); the loader reads the file into a buffer of its own, which does.
    for (const file of [CACHE, FLEET_CACHE]) {
      const cache = readFileSync(file);
      const sums = cache[0] === 1 ? 1 + 2 * 4 : 1 + 2 * 20;
      const head = Math.ceil(sums / 8) * 8;
      assert.ok(cache.subarray(sums, head).every((byte) => byte === 0), `${file}: bytes ${sums} to ${head} are not the zeros before V8's data`);
      assert.notEqual(cache.readUInt32LE(head), 0, `${file}: no V8 data at ${head}`);
    }
  });

  it('is not used when it says it was checked with another checksum than this Node computes', async () => {
    const cache = Buffer.from(readFileSync(CACHE));
    assert.ok(cache[0] === 1 || cache[0] === 2, `first byte ${cache[0]}: 1 (CRC-32) or 2 (SHA-1)`);
    cache[0] = cache[0] === 1 ? 2 : 1;
    const other = join(dir, 'other-kind');
    writeFileSync(other, cache);
    const run = await load(BUNDLE, other);
    assert.equal(run.stdout, 'cached=false\n0.1.0\n', run.stderr);
  });

  it('reads a bundle that is not ASCII as UTF-8', async () => {
    const text = readFileSync(BUNDLE, 'utf8');
    const other = join(dir, 'utf8.cjs');
    writeFileSync(other, text.replace('"0.1.0"', '"0.1.0-\u00fc\u2713"'));
    const run = await load(other, CACHE);
    assert.equal(run.stdout, 'cached=false\n0.1.0-\u00fc\u2713\n', run.stderr);
  });

  it('holds what a live audit of a local server runs: such an audit compiles next to nothing beyond it', async () => {
    // The build trains the cache on a live audit of a redis-server it starts (scripts/train-cli.ts). Without that,
    // this audit compiled about 160 KB of bytecode more than the cache held (a quarter of it) on its first calls.
    const server = await startRedis();
    const script = [
      "import { readFileSync } from 'node:fs';",
      "import { loadBundle } from './src/cli/bundle.ts';",
      `const loaded = loadBundle(${JSON.stringify(BUNDLE)}, ${JSON.stringify(CACHE)});`,
      `await loaded.exports.main(['audit', ${JSON.stringify(server.url)}, '--format', 'json', '--fail-on', 'none']);`,
      `process.stderr.write(JSON.stringify({ cached: loaded.cached, before: readFileSync(${JSON.stringify(CACHE)}).length, after: loaded.cacheData().length }));`,
    ].join('\n');
    const run = await runNode(['--import', 'tsx', '--input-type=module', '-e', script]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.includes('"ruleId"'), 'the audit ran');
    const { cached, before, after } = JSON.parse(run.stderr) as { cached: boolean; before: number; after: number };
    assert.equal(cached, true);
    assert.ok(after - before < before * 0.02, `the audit compiled ${after - before} bytes of code cache beyond the ${before} the build made`);
  });

  it('gives the same report with and without it', async () => {
    const args = ['audit', '--config', join(ROOT, 'examples/legacy/redis.conf'), '--redis-version', '7.0.15', '--format', 'json', '--fail-on', 'none'];
    const cached = await runCli(args);
    const uncached = await runNode(['--max-old-space-size=200', join(ROOT, 'bin', 'redfort.mjs'), ...args]);
    assert.equal(cached.code, 0, cached.stderr);
    assert.equal(uncached.code, 0, uncached.stderr);
    assert.ok(cached.stdout.includes('"ruleId"'));
    assert.equal(uncached.stdout, cached.stdout);
  });
});

describe("the build's training run (scripts/train-cli.ts)", () => {
  let dir: string;
  before(async () => {
    await build();
    dir = mkdtempSync(join(tmpdir(), 'redfort-train-test-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Whether process `pid` is still there (a zombie is not: it has ended and waits to be reaped). */
  function alive(pid: number): boolean {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  }

  it('goes on without the live audit when what listens on its port hangs up without answering', async () => {
    // A redis-server found first on PATH that listens on the port of the config file it is given and closes every
    // connection at once (as another program that took the port first might): the training run waited for an answer
    // without end; it must give up on the live audit, write the cache of the offline ones, and stop that process.
    const bin = join(dir, 'closing');
    const mark = join(dir, 'closing-server');
    mkdirSync(bin);
    const listener = [
      "const { readFileSync, writeFileSync } = require('node:fs');",
      `const port = Number(/^port (\\d+)$/m.exec(readFileSync(process.argv[2], 'utf8'))[1]);`,
      "require('node:net').createServer((s) => s.destroy()).listen(port, '127.0.0.1', () =>",
      `  writeFileSync(${JSON.stringify(mark)}, process.pid + ' ' + process.argv[2]));`,
    ].join('\n');
    writeFileSync(join(bin, 'listener.cjs'), listener);
    writeFileSync(join(bin, 'redis-server'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(bin, 'listener.cjs'))} "$1"\n`, { mode: 0o755 });
    const cache = join(dir, 'closing-cache');
    const run = await runNode(['--import', 'tsx', 'scripts/train-cli.ts', BUNDLE, cache, 'examples'], {
      env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
    const [pidText, config] = existsSync(mark) ? readFileSync(mark, 'utf8').split(' ') : [];
    const pid = Number(pidText ?? 0);
    try {
      assert.ok(pid > 0, 'the stand-in server listened');
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /no redis-server to train the code cache on a live audit/);
      assert.ok(readFileSync(cache).length > 0, 'the cache of the offline audits is written');
      assert.match(readFileSync(`${cache}.offline`, 'utf8'), /offline audits only/, 'the cache says it lacks the live audit');
      for (let i = 0; i < 250 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(alive(pid), false, 'the stand-in server is stopped');
      assert.equal(existsSync(dirname(config!)), false, 'its directory is removed');
    } finally {
      if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
      if (config) rmSync(dirname(config), { recursive: true, force: true });
    }
  });

  it('stops the redis-server it started when it is stopped by a signal, and removes its directory', async () => {
    // A redis-server found first on PATH that says where it is and never answers: the training run waits for it to
    // answer, and is stopped by SIGTERM meanwhile (as by a cancelled CI job).
    const bin = join(dir, 'bin');
    const mark = join(dir, 'server');
    mkdirSync(bin);
    writeFileSync(join(bin, 'redis-server'), `#!/bin/sh\necho "$$ $1" > ${JSON.stringify(mark)}.tmp\nmv ${JSON.stringify(mark)}.tmp ${JSON.stringify(mark)}\nexec sleep 120\n`, { mode: 0o755 });
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/train-cli.ts', BUNDLE, join(dir, 'cache'), 'examples'], {
      cwd: ROOT,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
      stdio: 'ignore',
    });
    const ended = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    let pid = 0;
    let config = '';
    try {
      while (!existsSync(mark)) {
        assert.ok(child.exitCode === null && child.signalCode === null, 'the training run ended before it started its redis-server');
        await new Promise((r) => setTimeout(r, 20));
      }
      const [pidText, configPath] = readFileSync(mark, 'utf8').trim().split(' ');
      pid = Number(pidText);
      config = configPath ?? '';
      assert.ok(alive(pid), 'the server runs while the training run waits for it');
      child.kill('SIGTERM');
      assert.equal(await ended, 'SIGTERM', 'the training run ends by the signal (not done with its work first)');
      for (let i = 0; i < 250 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(alive(pid), false, 'the server is stopped');
      assert.equal(existsSync(dirname(config)), false, `its directory ${dirname(config)} is removed`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
      if (config !== '') rmSync(dirname(config), { recursive: true, force: true });
    }
  });
});
