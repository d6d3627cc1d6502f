import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { infoField, infoModules, parseInfo } from '../../src/redis/info.ts';

/** What parseInfo did before it walked lines itself: split the whole text at once. The two must agree. */
function bySplit(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  sections.set('', current);
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      current = new Map();
      sections.set(line.slice(1).trim().toLowerCase(), current);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) current.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return sections;
}

const SAMPLES = [
  '',
  '\n',
  '\r\n\r\n',
  '# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\nconfig_file:/etc/redis/redis.conf\r\n\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n',
  '# Server\nredis_version:7.0.15\n# Replication\nrole:master\nmaster_host:10.0.0.1',
  'orphan:before any section\n#   Clients  \nconnected_clients:2\n:no name\nno colon\n  spaced_field:  value:with:colons  \n',
  '# Server\r\nredis_version:7.2.4\r\n' + 'x'.repeat(100_000) + '\r\n',
  '# Server\r\n' + Array.from({ length: 5000 }, (_, i) => `f${i}:v${i}\r\n`).join(''),
  // White space that trim() removes beyond ASCII, a colon first on its line, and lines without one before a colon.
  '\u00a0# Stats\u3000\r\n\ufeffkey:value\u2028\r\n:first:second\r\nno colon here\r\nnor here\r\nlast:one\r\n\u180ename:x\u180e',
];

describe('parseInfo', () => {
  test('reads sections and fields as splitting the whole text did', () => {
    for (const text of SAMPLES) assert.deepEqual(parseInfo(text), bySplit(text), JSON.stringify(text.slice(0, 80)));
  });

  test('fields, sections and infoField', () => {
    const info = parseInfo(SAMPLES[3]!);
    assert.deepEqual([...info.keys()], ['', 'server', 'keyspace']);
    assert.equal(infoField(info, 'config_file'), '/etc/redis/redis.conf');
    assert.equal(infoField(info, 'db0'), 'keys=1,expires=0,avg_ttl=0');
    assert.equal(infoField(parseInfo(SAMPLES[4]!), 'master_host'), '10.0.0.1');
  });

  // 16 MiB of '# Sn' headers made 1.3 million maps (330 MB, 8 s for one target), and each infoField walked them all.
  test('keeps at most 256 sections: the fields of the sections past them are dropped', () => {
    const text = '# Server\r\nredis_version:7.0.15\r\n' + Array.from({ length: 100_000 }, (_, k) => `# S${k}\r\nk${k}:v\r\n`).join('') + '# Server\r\nlate:x\r\n';
    const info = parseInfo(text);
    assert.equal(info.size, 256);
    assert.equal(infoField(info, 'redis_version'), undefined, 'a section named again replaces the earlier one, as before');
    assert.equal(infoField(info, 'late'), 'x');
    assert.equal(infoField(info, 'k253'), 'v');
    assert.equal(infoField(info, 'k254'), undefined);
    assert.deepEqual([...parseInfo('# A\r\na:1\r\n# B\r\nb:2\r\n').keys()], ['', 'a', 'b']);
  });

  test('infoModules: every module line of # Modules (a real 8.0-m01 with two test modules), none, or unknown', () => {
    const two = '# CPU\r\nused_cpu_sys:0.1\r\n\r\n# Modules\r\nmodule:name=datatype,ver=1,api=1,filters=0,usedby=[],using=[],options=[handle-io-errors]\r\nmodule:name=test,ver=1,api=1,filters=0,usedby=[],using=[],options=[]\r\n\r\n# Errorstats\r\n';
    assert.deepEqual(infoModules(parseInfo(two)), ['datatype', 'test']);
    assert.deepEqual(infoModules(parseInfo('# Modules\r\n\r\n# Errorstats\r\n')), []);
    assert.equal(infoModules(parseInfo('# Server\r\nredis_version:3.2.12\r\n')), undefined);
  });
});
