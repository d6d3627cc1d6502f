import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SCRUBBED_MIN_LENGTH, scrubFacts } from '../../src/app/audit.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, runCli } from '../report/cli-run.ts';

const FORMATS = ['json', 'sarif', 'junit', 'html', 'markdown'] as const;

// QA36-19: the report's masking of the target's password ran over whole messages, so a password that is a word of
// redfort's own sentences ('password', 'protected') showed up as `***` there: 'a common *** (found in the list of
// the most used ***s)' told every reader of a CI artifact what it was. Only what the server (or a file) supplied is
// masked now, in every format.
describe('the password is masked where the server put it, never in redfort\'s own words (QA36-19)', () => {
  let common: RunningServer;
  let acl: RunningServer;
  let dir: string;
  before(async () => {
    await build();
    // A user named as the password is the server's text holding it: that is masked.
    common = await startRedis({ conf: 'requirepass password\nuser password on nopass ~* +@all', password: 'password' });
    acl = await startRedis({ files: { 'users.acl': 'user default off\nuser admin on >protected ~* &* +@all\nuser protected on nopass ~* +@read\n' }, conf: 'aclfile users.acl', username: 'admin', password: 'protected' });
    dir = mkdtempSync(join(tmpdir(), 'redfort-scrub-'));
  });
  after(async () => {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  async function audit(url: string, password: string, name: string): Promise<{ texts: Record<string, string>; stderr: string }> {
    const outputs = FORMATS.flatMap((f) => ['-o', `${f}=${join(dir, `${name}.${f}`)}`]);
    const run = await runCli(['audit', url, '--no-host', '--fail-on', 'none', ...outputs], { env: { REDISCLI_AUTH: password } });
    assert.equal(run.code, 0, run.stderr);
    const texts: Record<string, string> = { text: run.stdout };
    for (const f of FORMATS) texts[f] = readFileSync(join(dir, `${name}.${f}`), 'utf8');
    return { texts, stderr: run.stderr };
  }

  it("requirepass 'password': the sentences keep the word, the user the server names so is '***'", async () => {
    const { texts, stderr } = await audit(common.url, 'password', 'common');
    assert.doesNotMatch(stderr, /\*\*\*/);
    for (const [format, text] of Object.entries(texts)) {
      assert.doesNotMatch(text, /common \*\*\*|\*\*\*s\)|AUTH <\*\*\*>|its \*\*\* cross/, format);
      assert.match(text, /has a common password \(found in the list of the most used passwords\)/, format);
      // The user 'password' is the server's text: masked, never shown.
      assert.doesNotMatch(text, /user(?:&#39;|'|\\?")? ?'?password'/, format);
      // (Markdown writes it `\*\*\*`, HTML quotes as &#39;.)
      assert.match(text, /user (?:'|&#39;|\\?")(?:\\?\*){3}(?:'|&#39;|\\?") is/, format);
    }
  });

  it("ACL password 'protected': protected-mode and enable-protected-configs are whole, the user 'protected' is '***'", async () => {
    const url = acl.url.replace('redis://', 'redis://admin@');
    const { texts, stderr } = await audit(url, 'protected', 'acl');
    assert.doesNotMatch(stderr, /\*\*\*/);
    for (const [format, text] of Object.entries(texts)) {
      assert.doesNotMatch(text, /\*\*\*-mode|enable-\*\*\*-configs/, format);
      assert.match(text, /protected-mode/, format);
      assert.doesNotMatch(text, /user (?:&#39;|')protected(?:&#39;|')/, format);
    }
    assert.match(texts.text!, /user '\*\*\*'/);
  });
});

describe('scrubFacts', () => {
  it("masks the secret in the facts' strings, never in keys or secret digests, and keeps what holds none", () => {
    assert.equal(SCRUBBED_MIN_LENGTH, 8);
    const digest = { set: true, length: 8, sha256: 'password' };
    const facts = { a: 'x password y', keys: new Map([['password', 'the password/dir']]), list: ['ok', 'xpasswordx'], digest, same: { s: 'clean' } };
    const scrubbed = scrubFacts(facts, ['password']);
    assert.equal(scrubbed.a, 'x *** y');
    assert.deepEqual([...scrubbed.keys], [['password', 'the ***/dir']]);
    assert.deepEqual(scrubbed.list, ['ok', 'x***x']);
    assert.equal(scrubbed.digest, digest);
    assert.equal(scrubbed.same, facts.same);
    assert.equal(scrubFacts(facts, ['absent-secret']), facts);
  });
});
