import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errnoOf, fsErrorText } from '../../src/util/fs-error.ts';
import { FileReadError } from '../../src/util/read-file.ts';
import { findProgram, runProgram } from '../../src/util/run-program.ts';
import { FirstThenCount } from '../../src/util/words.ts';

describe('fsErrorText: one text per file-system error', () => {
  test('errno codes in words, the reader its own reason, anything else its code or message', () => {
    const errno = (code: string) => Object.assign(new Error(`${code}: something, open '/x'`), { code });
    assert.equal(fsErrorText(errno('ENOENT')), 'no such file');
    assert.equal(fsErrorText(errno('EACCES')), 'permission denied');
    assert.equal(fsErrorText(errno('EPERM')), 'permission denied');
    assert.equal(fsErrorText(errno('EISDIR')), 'is a directory');
    assert.equal(fsErrorText(errno('ENOTDIR')), 'not a directory');
    assert.equal(fsErrorText(errno('EIO')), 'EIO');
    assert.equal(fsErrorText(new FileReadError('/x', 'not-regular', 'a FIFO, not a regular file')), 'a FIFO, not a regular file');
    assert.equal(fsErrorText(new Error('plain')), 'plain');
    assert.equal(fsErrorText('text'), 'text');
    // A message that names the path, given to a message that names it too, loses it once.
    assert.equal(fsErrorText(new Error('/s.env: mode 644 lets others read it'), '/s.env'), 'mode 644 lets others read it');
    assert.equal(fsErrorText(new Error('/other: x'), '/s.env'), '/other: x');
    assert.equal(errnoOf(errno('ENOENT')), 'ENOENT');
    assert.equal(errnoOf(null), undefined);
  });
});

describe('FirstThenCount: the first N said, the rest counted', () => {
  test('no count line when all are said; the items past N are counted, never made', () => {
    const some = new FirstThenCount<string>(2);
    some.add(() => 'a');
    some.add(() => 'b');
    assert.deepEqual(some.lines((n) => `${n} more`), ['a', 'b']);
    const many = new FirstThenCount<string>(2);
    for (const item of ['a', 'b', 'c', 'd']) many.add(() => (item === 'a' || item === 'b' ? item : assert.fail(`${item} was made`)));
    assert.deepEqual(many.lines((n) => `${n} more`), ['a', 'b', '2 more']);
    assert.deepEqual(new FirstThenCount<string>(2).lines(() => assert.fail('no count of none')), []);
  });
});

describe('runProgram and findProgram', () => {
  test('finds a program on PATH or in the system directories, not a missing one', async () => {
    assert.match((await findProgram('sh')) ?? '', /\/sh$/);
    assert.equal(await findProgram('redfort-no-such-program'), undefined);
  });

  test('stdout of a program that succeeds, in the C locale with the extra environment', async () => {
    const out = await runProgram(process.execPath, ['-e', 'process.stdout.write(`${process.env.LC_ALL} ${process.env.EXTRA}`)'], { env: { EXTRA: 'x' } });
    assert.deepEqual(out, { ok: true, stdout: 'C x' });
  });

  test('the first line of stderr of a program that fails; missing for a program that is not there', async () => {
    const failed = await runProgram(process.execPath, ['-e', 'process.stdout.write("part"); console.error("first\\nsecond"); process.exit(3)']);
    assert.deepEqual(failed, { ok: false, stdout: 'part', error: 'first', missing: false });
    const missing = await runProgram('redfort-no-such-program', []);
    assert.equal(missing.ok, false);
    assert.equal(!missing.ok && missing.missing, true);
  });

  test('a program that gives no answer says why, in words: past its time, output cut, killed, abandoned', async () => {
    const node = process.execPath;
    const timeout = await runProgram(node, ['-e', 'setTimeout(() => {}, 30_000)'], { timeoutMs: 300 });
    assert.deepEqual(timeout, { ok: false, stdout: '', error: 'it did not finish within 0.3 s', missing: false, stopped: 'timeout' });
    const cut = await runProgram(node, ['-e', 'process.stdout.write("x".repeat(5000))'], { maxBuffer: 1000 });
    assert.equal(!cut.ok && `${cut.stopped} ${cut.error}`, 'output-cut its output passed 1000 bytes and was cut');
    const killed = await runProgram('sh', ['-c', 'kill -9 $$']);
    assert.deepEqual(killed, { ok: false, stdout: '', error: 'it was killed (SIGKILL)', missing: false, stopped: 'killed' });
    const abandoned = await runProgram(node, ['-e', 'setTimeout(() => {}, 30_000)'], { signal: AbortSignal.timeout(100) });
    assert.deepEqual(abandoned, { ok: false, stdout: '', error: 'the audit gave up waiting for it', missing: false, stopped: 'abandoned' });
    // Nobody waits any more: not started at all.
    const dir = await mkdtemp(join(tmpdir(), 'redfort-run-'));
    const notStarted = await runProgram('sh', ['-c', `touch ${join(dir, 'ran')}`], { signal: AbortSignal.abort() });
    assert.equal(!notStarted.ok && notStarted.stopped, 'abandoned');
    assert.equal(existsSync(join(dir, 'ran')), false);
    await rm(dir, { recursive: true });
  });
});
