import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigParseError } from '../../src/gather/conf/redis-conf.ts';
import { parseAclFile } from '../../src/gather/conf/acl-file.ts';
import { rawPipeline } from '../harness/raw.ts';
import type { RespValue as Reply } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { describeServer, disagreements } from '../helpers/acl-dryrun.ts';
import { CORPUS, corpusFiles } from '../helpers/corpus.ts';

// The corpus's ACL files (written by others for real deployments: test/fixtures/corpus/MANIFEST.tsv) loaded by
// redis-server itself, with one more user for the test to ask as. For every user of a file, as redfort's ACL file
// parser reads it, and for every command the server has: whether redfort says the user may run it, against the
// server's own ACL DRYRUN. A refusal that names a key or a channel, not the command, still means the command is
// allowed (the file's key patterns are not the test's to match). A file the server refuses is refused by the
// parser too.

const TESTER = 'redfort-corpus-tester';

after(stopAll);

const files = corpusFiles(['acl']);

describe("the corpus's ACL files against ACL DRYRUN", () => {
  let loaded = 0;
  let checked = 0;

  for (const file of files) {
    it(file, async () => {
      const text = readFileSync(join(CORPUS, file), 'utf8');
      const withTester = `${text.endsWith('\n') ? text : `${text}\n`}user ${TESTER} on nopass ~* &* +@all\n`;
      let server;
      try {
        server = await startRedis({ conf: 'aclfile users.acl\n', files: { 'users.acl': withTester }, username: TESTER, password: 'any', killOnStop: true });
      } catch {
        assert.throws(() => parseAclFile(text, file), ConfigParseError, 'redis-server refused the file; the parser read it');
        return;
      }
      try {
        loaded++;
        const ask = (commands: readonly (readonly string[])[]): Promise<Reply[]> =>
          rawPipeline('127.0.0.1', server.port, [['AUTH', TESTER, 'any'], ...commands]).then((replies) => replies.slice(1));
        const live = await describeServer(ask);
        const { users } = parseAclFile(text, file, { version: live.version });
        assert.ok(users.length > 0, 'the parser found no user');
        for (const user of users) {
          const wrong = await disagreements(live, user.name, user, (n) => { checked += n; });
          assert.deepEqual(wrong, [], `user ${user.name}`);
        }
      } finally {
        await server.stop();
      }
    });
  }

  it('compares enough to mean something', () => {
    assert.ok(files.length >= 7, `${files.length} ACL files`);
    assert.ok(loaded >= 5, `${loaded} files loaded`);
    assert.ok(checked > 4000, `${checked} commands compared`);
  });
});
