import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync, readdirSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FileReadError, readProcMemoryText, readProcText, readTextFile } from '../../src/util/read-file.ts';
import { lstatOf, statOf } from '../../src/util/fs-calls.ts';
import { FileWriteError, checkOutputPath, openStagedOutput, writeAllSync, writeOutputFile } from '../../src/util/write-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'redfort-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function path(name: string): string {
  return join(dir, name);
}

async function readError(file: string, options = {}): Promise<FileReadError> {
  try {
    await readTextFile(file, options);
  } catch (error) {
    assert.ok(error instanceof FileReadError, `expected a FileReadError, got ${String(error)}`);
    return error;
  }
  assert.fail(`${file} was read`);
}

async function writeError(file: string, options = {}): Promise<FileWriteError> {
  try {
    await writeOutputFile(file, 'report', options);
  } catch (error) {
    assert.ok(error instanceof FileWriteError, `expected a FileWriteError, got ${String(error)}`);
    return error;
  }
  assert.fail(`${file} was written`);
}

const fifo = path('fifo');
execFileSync('mkfifo', [fifo]);
writeFileSync(path('regular.conf'), 'port 6379\n');
symlinkSync(path('regular.conf'), path('link-to-regular'));
symlinkSync('/dev/zero', path('link-to-zero'));
symlinkSync(path('nowhere'), path('dangling'));
mkdirSync(path('subdir'));

describe('one reader for every input file', () => {
  test('a regular file, directly or through a symlink', async () => {
    assert.equal(await readTextFile(path('regular.conf')), 'port 6379\n');
    assert.equal(await readTextFile(path('link-to-regular')), 'port 6379\n');
  });

  test('a FIFO is refused at once instead of blocking forever', async () => {
    const error = await readError(fifo);
    assert.equal(error.reason, 'not-regular');
    assert.equal(error.message, `${fifo}: a FIFO, not a regular file`);
  });

  test('devices are refused, also behind a symlink (.redfort.yaml -> /dev/zero)', async () => {
    assert.equal((await readError('/dev/zero')).message, '/dev/zero: a character device, not a regular file');
    assert.equal((await readError('/dev/urandom')).reason, 'not-regular');
    assert.equal((await readError('/dev/null')).reason, 'not-regular');
    assert.equal((await readError(path('link-to-zero'))).reason, 'not-regular');
  });

  test('a directory, a missing file and a dangling symlink', async () => {
    assert.equal((await readError(path('subdir'))).message, `${path('subdir')}: is a directory`);
    assert.equal((await readError(path('missing'))).message, `${path('missing')}: no such file`);
    assert.equal((await readError(path('dangling'))).reason, 'missing');
  });

  test('a file above the cap is refused, and no byte of it is shown', async () => {
    writeFileSync(path('big'), `root:$6$SECRETHASH:19000:0:99999:7:::\n`.repeat(100));
    const error = await readError(path('big'), { maxBytes: 1024 });
    assert.equal(error.reason, 'too-large');
    assert.equal(error.message, `${path('big')}: larger than 1 KiB, the most redfort reads of one file`);
    assert.doesNotMatch(error.message, /SECRET/);
  });

  test('a file whose size the kernel does not report (/proc) is read up to the cap', async () => {
    assert.equal(statSync('/proc/self/status').size, 0);
    assert.match(await readTextFile('/proc/self/status'), /^Name:/);
    assert.equal((await readError('/proc/self/status', { maxBytes: 16 })).reason, 'too-large');
  });

  test('an aborted signal stops the read', async () => {
    const error = await readError(path('regular.conf'), { signal: AbortSignal.abort(new Error('the target deadline passed')) });
    assert.equal(error.reason, 'aborted');
    assert.equal(error.message, `${path('regular.conf')}: the target deadline passed`);
  });
});

describe('the synchronous readers', () => {
  const openDescriptors = () => readdirSync('/proc/self/fd').length;

  test('every descriptor opened is closed, whatever the outcome', async () => {
    writeFileSync(path('big.conf'), 'x'.repeat(100_000));
    // Several times each: one descriptor left open per read would show as a difference of at least 5.
    const before = openDescriptors();
    for (let i = 0; i < 5; i++) {
      assert.equal((await readTextFile(path('big.conf'))).length, 100_000);
      assert.equal((await readError(path('big.conf'), { maxBytes: 1000 })).reason, 'too-large');
      assert.equal((await readError('/proc/self/status', { maxBytes: 16 })).reason, 'too-large');
      assert.equal((await readError(fifo)).reason, 'not-regular');
      assert.equal((await readError(path('subdir'))).reason, 'not-regular');
      assert.equal((await readError(path('nowhere'))).reason, 'missing');
      assert.match((await readProcText('/proc/self/status')) ?? '', /^Name:/);
      assert.equal(await readProcText(path('nowhere')), undefined);
      assert.equal(await readProcMemoryText(path('nowhere')), undefined);
    }
    // A leak in any one kind of read leaves 5 open; a descriptor the test runner itself opens or closes meanwhile
    // (under load, one of its own was seen closing) moves the count by one at most.
    const after = openDescriptors();
    assert.ok(after - before < 5, `${after - before} descriptors more than before (${before} -> ${after})`);
  });

  test('a /proc reader reads past its chunk size, to the end', async () => {
    const text = Array.from({ length: 3000 }, (_, i) => `line ${i}`).join('\n');
    writeFileSync(path('long.txt'), text);
    assert.equal(await readProcText(path('long.txt')), text);
    assert.equal(await readProcMemoryText(path('long.txt')), text);
  });

  test("a process's command line, longer than one chunk, is read whole", async () => {
    const argument = 'a'.repeat(9000);
    const script = 'setTimeout(() => {}, 30000)';
    const child = spawn(process.execPath, ['-e', script, argument], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      const expected = `${process.execPath}\x00-e\x00${script}\x00${argument}\x00`;
      // Until exec has replaced the forked process's command line with the child's.
      let cmdline: string | undefined;
      for (let i = 0; i < 500 && cmdline !== expected; i++) {
        cmdline = await readProcMemoryText(`/proc/${child.pid}/cmdline`);
        if (cmdline !== expected) await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(cmdline?.length, expected.length);
      assert.ok(cmdline === expected, 'the command line as the process has it');
    } finally {
      child.kill();
    }
  });

  test('stat and lstat answer as promises, errors as rejections with their code', async () => {
    assert.equal((await statOf(path('link-to-regular'))).isFile(), true);
    assert.equal((await lstatOf(path('link-to-regular'))).isSymbolicLink(), true);
    assert.equal((await lstatOf(path('dangling'))).isSymbolicLink(), true);
    await assert.rejects(statOf(path('dangling')), { code: 'ENOENT' });
    await assert.rejects(lstatOf(path('nowhere')), { code: 'ENOENT' });
  });
});

describe('report and baseline outputs', () => {
  /** A report in chunks as src/report/json.ts makes them: one buffer, written again for each chunk. */
  function* reusedChunks(parts: readonly string[]): Generator<Uint8Array> {
    const buffer = Buffer.alloc(64);
    for (const part of parts) {
      const length = buffer.write(part);
      yield buffer.subarray(0, length);
      buffer.fill(0x21);
    }
  }
  const PARTS = ['{"tool": ', '"redfort", ', '"targets": [', 'é€𝄞', ']}\n'];

  test('a report in chunks whose buffer is reused: each chunk written before the next is made, to a file or through a stream', async () => {
    const out = path('chunked.json');
    await writeOutputFile(out, reusedChunks(PARTS));
    assert.equal(readFileSync(out, 'utf8'), PARTS.join(''));
    // `-o json=/dev/stdout`: this process's own stream, written through (appended) without a temporary file.
    const streamed = path('streamed.json');
    writeFileSync(streamed, 'before\n');
    const fd = openSync(streamed, 'a');
    try {
      await writeOutputFile(`/proc/self/fd/${fd}`, reusedChunks(PARTS));
    } finally {
      closeSync(fd);
    }
    assert.equal(readFileSync(streamed, 'utf8'), `before\n${PARTS.join('')}`);
    // --force through a symlink.
    symlinkSync(path('chunked-target.json'), path('chunked-link.json'));
    await writeOutputFile(path('chunked-link.json'), reusedChunks(PARTS), { force: true });
    assert.equal(readFileSync(path('chunked-target.json'), 'utf8'), PARTS.join(''));
  });

  test('a new file, then an existing one replaced with its mode kept, and no temporary file left', async () => {
    const out = path('report.json');
    await writeOutputFile(out, 'one');
    assert.equal(readFileSync(out, 'utf8'), 'one');
    chmodSync(out, 0o600);
    await writeOutputFile(out, 'two');
    assert.equal(readFileSync(out, 'utf8'), 'two');
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });

  test('a symlink planted at the output path is refused, dangling or not, and its target is untouched', async () => {
    const victim = path('passwd');
    writeFileSync(victim, 'root:x:0:0::/root:/bin/bash\n');
    symlinkSync(victim, path('planted.json'));
    symlinkSync(path('not-yet'), path('planted-dangling.json'));
    const error = await writeError(path('planted.json'));
    assert.equal(error.message, `${path('planted.json')}: a symbolic link: refused (pass --force to write through it)`);
    await assert.rejects(checkOutputPath(path('planted.json')), FileWriteError);
    assert.equal(readFileSync(victim, 'utf8'), 'root:x:0:0::/root:/bin/bash\n');
    await writeError(path('planted-dangling.json'));
    assert.throws(() => lstatSync(path('not-yet')), { code: 'ENOENT' });
    assert.equal(readlinkSync(path('planted.json')), victim);
  });

  test('a FIFO or a directory at the output path is refused', async () => {
    assert.match((await writeError(fifo)).message, /a FIFO: refused/);
    assert.match((await writeError(path('subdir'), { force: true })).message, /a directory$/);
  });

  test('a character device and this process\'s own streams are written through without force; a link to them elsewhere is not', async () => {
    await checkOutputPath('/dev/null');
    await writeOutputFile('/dev/null', 'gone');
    const file = path('stream-target.txt');
    writeFileSync(file, 'head,');
    const fd = openSync(file, 'r');
    try {
      for (const link of [`/dev/fd/${fd}`, `/proc/self/fd/${fd}`]) {
        await checkOutputPath(link);
        // Appended, as the shell's `>>` would: what the file already held stays.
        await writeOutputFile(link, 'tail,');
      }
    } finally {
      closeSync(fd);
    }
    assert.equal(readFileSync(file, 'utf8'), 'head,tail,tail,');
    symlinkSync('/dev/null', path('planted-devnull.json'));
    assert.match((await writeError(path('planted-devnull.json'))).message, /a symbolic link: refused/);
    await assert.rejects(checkOutputPath(path('planted-devnull.json')), FileWriteError);
  });

  // /proc/self/mem is a 'regular file' whose directory takes no new file: the report said "its directory does not exist".
  test('a file in a directory that takes no new file says so, not that the directory is missing', async () => {
    await checkOutputPath('/proc/self/mem');
    assert.equal((await writeError('/proc/self/mem')).message, "/proc/self/mem: not a file a report can replace: no new file can be made in '/proc/self' (ENOENT)");
    assert.match((await writeError(path('gone/report.json'))).message, /its directory does not exist$/);
  });

  test('with force, a symlink is written through as a plain open would', async () => {
    const target = path('wanted.json');
    writeFileSync(target, '');
    symlinkSync(target, path('chosen-link.json'));
    await checkOutputPath(path('chosen-link.json'), { force: true });
    await writeOutputFile(path('chosen-link.json'), 'through', { force: true });
    assert.equal(readFileSync(target, 'utf8'), 'through');
    assert.ok(lstatSync(path('chosen-link.json')).isSymbolicLink());
  });

  // A fleet's streamed outputs (src/cli/fleet.ts): written as targets finish, put in place only at the end.
  test('a staged output grows in a temporary file and replaces its file at commit; aborted, it leaves the file as it was', () => {
    const out = path('staged.jsonl');
    writeFileSync(out, 'kept\n');
    chmodSync(out, 0o640);
    const temps = () => readdirSync(dir).filter((f) => f.startsWith('.staged.jsonl.') && f.endsWith('.tmp'));
    const aborted = openStagedOutput(out);
    writeAllSync(aborted.fd, Buffer.from('line 1\n'));
    assert.equal(temps().length, 1);
    assert.equal(readFileSync(join(dir, temps()[0]!), 'utf8'), 'line 1\n');
    assert.equal(readFileSync(out, 'utf8'), 'kept\n');
    aborted.abort();
    assert.equal(readFileSync(out, 'utf8'), 'kept\n');
    assert.deepEqual(temps(), []);
    const kept = statSync(out).ino;
    const committed = openStagedOutput(out);
    writeAllSync(committed.fd, Buffer.from('line 2\n'));
    committed.commit();
    assert.equal(readFileSync(out, 'utf8'), 'line 2\n');
    assert.equal(statSync(out).mode & 0o777, 0o640);
    assert.notEqual(statSync(out).ino, kept);
    assert.deepEqual(temps(), []);
    // With --force, a link to a regular file is written through at commit (the link stays a link), not before.
    const target = path('staged-target.jsonl');
    writeFileSync(target, 'target\n');
    symlinkSync(target, path('staged-link.jsonl'));
    const linked = openStagedOutput(path('staged-link.jsonl'));
    writeAllSync(linked.fd, Buffer.from('through\n'));
    assert.equal(readFileSync(target, 'utf8'), 'target\n');
    linked.commit();
    assert.equal(readFileSync(target, 'utf8'), 'through\n');
    assert.ok(lstatSync(path('staged-link.jsonl')).isSymbolicLink());
    // A stream is written through at once.
    const devnull = openStagedOutput('/dev/null');
    writeAllSync(devnull.fd, Buffer.from('gone'));
    devnull.commit();
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });

  test('a missing directory is named before the audit runs', async () => {
    const error = await checkOutputPath(path('nope/report.json')).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof FileWriteError);
    assert.equal(error.message, `${path('nope/report.json')}: its directory does not exist`);
  });
});

describe("readTextFile's check of the open file", () => {
  test('gets the descriptor of the file read, before any byte is read, and its error is passed on as it is', async () => {
    const path = join(dir, 'checked.txt');
    writeFileSync(path, 'the text');
    let seen: number | undefined;
    assert.equal(await readTextFile(path, { check: (fd) => { seen = statSync(path).ino; assert.ok(fd >= 0); } }), 'the text');
    assert.equal(seen, statSync(path).ino);
    class Refused extends Error {}
    await assert.rejects(readTextFile(path, { check: () => { throw new Refused('not yours'); } }), (e: unknown) => e instanceof Refused && !(e instanceof FileReadError));
  });
});
