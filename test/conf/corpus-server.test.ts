import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { EffectiveConf } from '../../src/gather/conf/redis-conf.ts';
import { rawPipeline } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { READER, askAsReader, differences, pairs, parseIn as parseDir, readerLine, serverVersion } from '../helpers/conf-server.ts';
import { CORPUS, corpusFiles, startHereLines } from '../helpers/corpus.ts';

// The corpus's config files (written by others for real deployments: test/fixtures/corpus/MANIFEST.tsv) against
// redis-server itself. Each file is started as it is, followed by a few lines that give the server a free port, its
// own directory, no daemon and a user to read its config with (later lines win, and the file's own lines keep
// their numbers). A file the server starts with: every value the parser derives, from the file or from the
// version's compiled defaults, must be what CONFIG GET answers. A file the server refuses at line N: the parser,
// told the server's version, must name line N too (an error, or a warning that the server would refuse it).

const version = serverVersion();

after(stopAll);

/** What the tests append: the server's own port and directory; a reader user unless the file keeps users in an ACL file. */
function tail(text: string, port: number): string {
  return `${startHereLines(port)}${readerLine(text)}`;
}

/** The parser's view of the config file at `dir`/redis.conf, told the server's version. */
function parseIn(dir: string, sentinel = false): ReturnType<typeof parseDir> {
  return parseDir(dir, version, sentinel);
}

/** The parser's view of `text` followed by the tests' lines, in a directory of its own. */
function parseCopy(text: string, sentinel = false): ReturnType<typeof parseIn> {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-corpus-'));
  try {
    writeFileSync(join(dir, 'redis.conf'), text + tail(text, 6379));
    return parseIn(dir, sentinel);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts redis-server (or redis-sentinel) from `text` and the tests' lines. When it refuses the file at a line, the
 * parser must refuse the file too (an unrendered template, at its first placeholder, which may come after the line the
 * server stops at) or warn that the server would refuse that line: 'refused'. Refused for what this machine lacks (an
 * included file, an ACL file, a certificate, the `dir` it changes to at that very line): 'elsewhere'.
 */
async function startOrCompareRefusal(text: string, sentinel: boolean): Promise<RunningServer | 'refused' | 'elsewhere'> {
  try {
    return await startRedis({ sentinel, confText: (port) => text + tail(text, port), readyTimeoutMs: 5000, killOnStop: true });
  } catch (error) {
    const log = (error as Error).message;
    const line = /Reading the configuration file, at line (\d+)/.exec(log)?.[1];
    if (line === undefined || /No such file or directory|Can't chdir/.test(log)) return 'elsewhere';
    const parsed = parseCopy(text, sentinel);
    const said = parsed.messages.join('\n') || '(nothing)';
    assert.ok(parsed.error !== undefined || parsed.messages.some((m) => m.includes(`:${line}:`)), `${sentinel ? 'redis-sentinel' : 'redis-server'} refused line ${line}; the parser said:\n${said}`);
    return 'refused';
  }
}

/** What a Sentinel started from the file says of itself and its masters that the parser does not say alike. */
async function sentinelDifferences(port: number, eff: EffectiveConf): Promise<{ masters: number; differ: string[] }> {
  const parsed = eff.sentinel!;
  const [auth, reply] = await rawPipeline('127.0.0.1', port, [['AUTH', READER, 'any'], ['SENTINEL', 'MASTERS']], { bytes: true });
  assert.ok(Buffer.isBuffer(auth), `AUTH as ${READER}: ${String(auth)}`);
  assert.ok(Array.isArray(reply), `SENTINEL MASTERS: ${String(reply)}`);
  const differ: string[] = [];
  if (reply.length !== parsed.masters.size) differ.push(`masters: Sentinel ${reply.length}, parser ${parsed.masters.size}`);
  for (const entry of reply) {
    const fields = pairs(entry as unknown[]);
    const name = fields.get('name')!;
    const master = parsed.masters.get(name);
    if (!master) {
      differ.push(`master ${name}: unknown to the parser`);
      continue;
    }
    const expect: [string, string | undefined][] = [
      ['port', String(master.port)],
      ['quorum', String(master.quorum)],
      ...['down-after-milliseconds', 'failover-timeout', 'parallel-syncs'].map((k): [string, string | undefined] => [k, master.settings.get(k)?.value]),
    ];
    // A host name is resolved by the Sentinel (resolve-hostnames yes): what it finds depends on this machine's DNS.
    if (isIP(master.host) !== 0) expect.push(['ip', master.host]);
    for (const [field, value] of expect) if (fields.get(field) !== value) differ.push(`${name} ${field}: Sentinel ${fields.get(field)}, parser ${value}`);
  }
  const config = await askAsReader(port, ['SENTINEL', 'CONFIG', 'GET', '*']);
  const own: [string, string][] = [
    ['resolve-hostnames', parsed.resolveHostnames.value],
    ['announce-hostnames', parsed.announceHostnames.value],
    ['announce-ip', parsed.announceIp?.value ?? ''],
    ['announce-port', parsed.announcePort?.value ?? '0'],
    ['sentinel-user', parsed.sentinelUser?.value ?? ''],
  ];
  for (const [key, value] of own) if (config.get(key) !== value) differ.push(`${key}: Sentinel ${JSON.stringify(config.get(key))}, parser ${JSON.stringify(value)}`);
  return { masters: reply.length, differ };
}

/** How many files a suite read, started, and saw refused at a line. */
interface Tally {
  files: number;
  started: number;
  refusedAtLine: number;
}

/**
 * One test per corpus file of these kinds: started ({@link startOrCompareRefusal}), then `check`ed against the running
 * server or Sentinel, which is stopped after.
 */
function eachCorpusFile(kinds: readonly string[], sentinel: boolean, check: (server: RunningServer, text: string) => Promise<void>): Tally {
  const files = corpusFiles(kinds);
  const tally: Tally = { files: files.length, started: 0, refusedAtLine: 0 };
  for (const file of files) {
    it(file, async () => {
      const text = readFileSync(join(CORPUS, file), 'latin1');
      const server = await startOrCompareRefusal(text, sentinel);
      if (server === 'elsewhere') return;
      if (server === 'refused') {
        tally.refusedAtLine++;
        return;
      }
      try {
        tally.started++;
        await check(server, text);
      } finally {
        await server.stop();
      }
    });
  }
  return tally;
}

describe(`the corpus's config files against redis-server ${version ?? ''}`, () => {
  let renamedConfig = 0;
  const tally = eachCorpusFile(['redis.conf', 'fragment'], false, async (server) => {
    const parsed = parseIn(server.dir);
    assert.ok(parsed.eff, `redis-server started; the parser refused it: ${parsed.messages.join('\n')}`);
    // A file that renames CONFIG away leaves nothing to ask: the parser must have seen the rename.
    if (parsed.eff.renames.has('config')) {
      renamedConfig++;
      assert.equal(parsed.eff.renames.get('config')!.value, '');
      return;
    }
    const { compared, differ } = await differences(server.port, parsed.eff);
    assert.deepEqual(differ, []);
    assert.ok(compared > 150, `compared ${compared} values`);
  });

  it('compares enough of the corpus to mean something', () => {
    assert.ok(tally.files >= 30, `${tally.files} config files`);
    assert.ok(tally.started >= 18, `${tally.started} files started`);
    assert.ok(tally.refusedAtLine >= 8, `${tally.refusedAtLine} files refused at a line`);
    assert.ok(renamedConfig <= 3, `${renamedConfig} files rename CONFIG away`);
  });
});

describe(`the corpus's sentinel.conf files against redis-sentinel ${version ?? ''}`, () => {
  const tally = eachCorpusFile(['sentinel.conf'], true, async (server, text) => {
    // The file as the Sentinel read it, before it rewrote it (it adds its id and state at start).
    const parsed = parseCopy(text, true);
    // A template the Sentinel reads as text (rustis' `sentinel monitor m $HOST_IP 6381 2`: it starts, fails to resolve
    // the name and monitors an empty address): the parser refuses it on purpose.
    if (parsed.eff === undefined && parsed.messages.some((m) => /: unrendered template placeholder /.test(m))) return;
    assert.ok(parsed.eff?.sentinel, `redis-sentinel started; the parser refused it: ${parsed.messages.join('\n')}`);
    const { differ } = await sentinelDifferences(server.port, parsed.eff);
    assert.deepEqual(differ, []);
  });

  it('compares enough of the corpus to mean something', () => {
    assert.ok(tally.files >= 14, `${tally.files} sentinel.conf files`);
    assert.ok(tally.started >= 12, `${tally.started} files started`);
    assert.ok(tally.refusedAtLine >= 2, `${tally.refusedAtLine} files refused at a line`);
  });
});
