import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FileReadError, readTextFile } from '../../src/util/read-file.ts';
import { FileWriteError, checkOutputPath, writeOutputFile } from '../../src/util/write-file.ts';

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

describe('report and baseline outputs', () => {
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

  test('with force, a symlink is written through as a plain open would', async () => {
    const target = path('wanted.json');
    writeFileSync(target, '');
    symlinkSync(target, path('chosen-link.json'));
    await checkOutputPath(path('chosen-link.json'), { force: true });
    await writeOutputFile(path('chosen-link.json'), 'through', { force: true });
    assert.equal(readFileSync(target, 'utf8'), 'through');
    assert.ok(lstatSync(path('chosen-link.json')).isSymbolicLink());
  });

  test('a missing directory is named before the audit runs', async () => {
    const error = await checkOutputPath(path('nope/report.json')).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof FileWriteError);
    assert.equal(error.message, `${path('nope/report.json')}: its directory does not exist`);
  });
});
