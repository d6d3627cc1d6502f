import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { releaseStanding, unjudgedWhy } from '../../src/redis/releases.ts';
import { DIRECTIVE_RELEASES, directivesJudged } from '../../src/redis/directives.ts';
import { commandsKnown } from '../../src/acl/known-commands.ts';

// The one decision the ACL reader (commands) and the config reader (directives) share: where a version stands against
// the releases a table holds. A name the table lacks is refused only for its releases; a newer or unknown version may
// have it (as Redis 8.2 had `lookahead` before the tables held 8.2; 8.0's `+hgetex`).
describe('releaseStanding', () => {
  it('tabled, newer, unknown and other', () => {
    const cases: readonly (readonly [string | undefined, string])[] = [
      ['7.0.15', 'tabled'],
      ['6.0.20', 'tabled'],
      ['7.4', 'tabled'],
      ['7.9.224', 'tabled'], // Redis 8.0-m01
      ['valkey-8.0.1', 'tabled'],
      ['Valkey/7.2.7', 'tabled'],
      ['8.0.2', 'tabled'],
      ['8.6.3', 'tabled'],
      ['valkey-8.1.0', 'tabled'],
      ['valkey-9.1.2', 'tabled'],
      // Between tabled releases (their columns are the next release's less what its release notes name as new).
      ['7.9.225', 'other'], // a later 8.0 milestone
      ['8.2.1', 'other'],
      ['8.4', 'other'],
      ['valkey 9.0.0', 'other'],
      // After the newest.
      ['8.8.0', 'newer'],
      ['9.0.0', 'newer'],
      ['valkey-9.2.0', 'newer'],
      ['valkey 10.0.1', 'newer'],
      [undefined, 'unknown'],
      ['', 'unknown'],
      ['7', 'unknown'],
      ['5.0.14', 'other'],
      ['6.3.4', 'other'], // KeyDB's redis_version
      ['7.1.241', 'other'], // a 7.2 RC
    ];
    for (const [version, standing] of cases) assert.equal(releaseStanding(version, DIRECTIVE_RELEASES), standing, String(version));
  });

  it('directives are judged for every standing but newer (unknown too: issue 11, the file would not start)', () => {
    for (const v of ['7.0.15', '7.9.224', 'valkey-8.0.1', '5.0.14', '8.0.0', '8.2.1', '8.4.0', '8.6.3', 'valkey-8.1.0', 'valkey-9.0.0', 'valkey-9.1.2', undefined, '']) {
      assert.equal(directivesJudged(v), true, String(v));
    }
    for (const v of ['8.8.0', '9.0.0', 'valkey-9.2.0']) assert.equal(directivesJudged(v), false, String(v));
    // 6.3.x is no Redis release but KeyDB's: its own directives are not refused as a Redis's (QA41-112).
    for (const v of ['6.3.4', '6.3']) assert.equal(directivesJudged(v), false, String(v));
  });

  // Redis 2.4's redis.conf sets `vm-enabled no`, which 2.6 and later refuse: given --redis-version 2.4.18, redfort said
  // 'redis-server refuses to start'. Every directive of 2.6 to 5.0 is in the tables.
  it('directives are not judged for a Redis before 2.6', () => {
    for (const v of ['2.4.18', '2.2.12', '1.2.6']) assert.equal(directivesJudged(v), false, v);
    for (const v of ['2.6.17', '2.8.24', '3.2.13', '4.0.14']) assert.equal(directivesJudged(v), true, v);
  });

  it("commands are known for their table's releases only, as before", () => {
    for (const v of ['6.0.20', '6.2.16', '7.0.15', '7.2.6', '7.4.1', 'valkey-7.2.7', 'valkey-8.0.1']) assert.equal(commandsKnown(v, 'none'), true, v);
    for (const v of ['7.9.224', '8.0.2', '6.3.4', '7.1.241', '5.0.14', 'valkey-8.1.0', undefined]) assert.equal(commandsKnown(v, 'none'), false, String(v));
    assert.equal(commandsKnown('7.0.15', 'loaded'), false);
  });

  it('why a name is not judged', () => {
    assert.equal(unjudgedWhy(undefined, 'directives'), 'the version is unknown: give --redis-version to judge it');
    assert.equal(unjudgedWhy('8.2.1', 'directives'), 'version 8.2.1 is not one whose directives redfort knows, so it is not judged: that server may have it');
    // A hostile server's INFO version (escapes, a password after it): its digits alone are told.
    assert.equal(unjudgedWhy('8.2.1\u001b[2Jhunter2', 'commands'), 'version 8.2.1 is not one whose commands redfort knows, so it is not judged: that server may have it');
    assert.equal(unjudgedWhy('Valkey 9.0.1 hunter2', 'directives'), 'version valkey-9.0.1 is not one whose directives redfort knows, so it is not judged: that server may have it');
  });
});
