import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FileWriter } from '../../src/cli/fleet.ts';

const dir = mkdtempSync(join(tmpdir(), 'redfort-file-writer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** What `texts`, added in turn to a FileWriter of two files and flushed, leave in each file. */
function written(texts: readonly string[]): Buffer[] {
  const paths = [join(dir, 'a'), join(dir, 'b')];
  const fds = paths.map((p) => openSync(p, 'w'));
  const writer = new FileWriter(fds.map((fd, i) => ({ fd, path: paths[i]!, format: 'jsonl' })));
  for (const text of texts) writer.add(text);
  writer.flush();
  for (const fd of fds) closeSync(fd);
  return paths.map((p) => readFileSync(p));
}

describe('the fleet file writer', () => {
  test('a text many times its buffer is written whole, as UTF-8, to every file', () => {
    const text = Array.from({ length: 40_000 }, (_, i) => `target ${i} … `).join('');
    for (const file of written(['{"head":1}\n', text, '\n'])) assert.ok(file.equals(Buffer.from(`{"head":1}\n${text}\n`)));
  });

  test('a slice never ends inside a surrogate pair, wherever the pairs fall', () => {
    // A slice is a third of the 64 KiB buffer (21,845 units): with pairs starting at even and at odd units, one of
    // the two texts has a pair across every slice boundary.
    for (const prefix of ['', 'a']) {
      const text = `${prefix}${'😀'.repeat(60_000)}é`;
      for (const file of written([text])) {
        assert.equal(file.length, Buffer.byteLength(text));
        assert.ok(file.equals(Buffer.from(text)), `prefix '${prefix}': no replacement character`);
      }
    }
  });

  test('a write that fails names the file and its format (a full disk: /dev/full)', () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const writer = new FileWriter([{ fd, path: '/dev/full', format: 'jsonl' }]);
      writer.add('{"target":"x"}\n');
      assert.throws(() => writer.flush(), { message: "cannot write the jsonl report to '/dev/full': no space left on the device" });
    } finally {
      closeSync(fd);
    }
  });
});
