import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { realBuild } from '../harness/builds.ts';
import type { RunningServer } from '../harness/servers.ts';
import { startCluster, startRedis, stopAll } from '../harness/servers.ts';
import { startRecordedServer } from '../helpers/recorded-server.ts';
import { audit } from '../probe/helpers.ts';
import type { Audited } from '../probe/helpers.ts';
import { redfort } from '../harden/run.ts';
import { expectSetup, recordedLogin, SETUPS, verdicts } from '../versions/setups.ts';
import type { Setup } from '../versions/setups.ts';

// The real builds behind test/fixtures/replies/{redis-8.6.3,valkey-9.1.2}-{hardened,cluster}.json (replayed by
// test/versions/setups.test.ts): each setup made again on its build, as its recordedFrom says, audited live, finds what
// the recording's audit finds (paths and ports aside). The hardened one is `redfort harden` of the live build, its
// trial start run by the build itself (first on PATH).

const work = mkdtempSync(join(tmpdir(), 'redfort-setups-builds-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const OPTIONS = { noHost: true, noProbe: true } as const;

/**
 * The verdicts of both audits, less the rules that read the config files (a replay has none: they are skipped for
 * it, and judged live); paths and ports are the run's own: `'/…'` is PATH, `port N` is port P.
 */
function comparable(audited: Audited, replayed: Audited): string[] {
  const files = replayed.facts.unavailable.files;
  const fileRules = new Set(replayed.results.filter((r) => r.status === 'skip' && files !== undefined && r.message === files).map((r) => r.ruleId));
  assert.ok(fileRules.size > 0, 'a replay reads no config file');
  return verdicts(audited.results.filter((r) => !fileRules.has(r.ruleId))).map((v) => v.replace(/'\/[^']*'/g, "'PATH'").replace(/\bport \d+/g, 'port P'));
}

async function recorded(setup: Setup): Promise<Audited> {
  const server = await startRecordedServer(setup.recording);
  try {
    const login = recordedLogin(server.recording);
    return await audit(login ? server.url.replace('redis://', `redis://${login.user}:${encodeURIComponent(login.password)}@`) : server.url, {}, OPTIONS);
  } finally {
    await server.close();
  }
}

/** The build hardened by redfort and restarted on the output: its audit as the auditor user. */
async function hardened(binary: string): Promise<Audited> {
  const data = mkdtempSync(join(work, 'data-'));
  const original = await startRedis({ binary, killOnStop: true, confText: (port) => `port ${port}\nbind 127.0.0.1\ndir ${data}\nlogfile ${data}/orig.log\nsave ""\n` });
  const out = join(work, `out-${original.port}`);
  const path = process.env.PATH;
  process.env.PATH = `${dirname(binary)}:${path}`;
  let run;
  try {
    run = await redfort(['harden', original.url, '--config', original.confPath, '--out', out]);
  } finally {
    process.env.PATH = path;
  }
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, new RegExp(`^Trial start: passed: ${binary.endsWith('valkey-server') ? 'valkey-server 9\\.1\\.2' : 'redis-server 8\\.6\\.3'} started`, 'm'));
  await original.stop();
  copyFileSync(join(out, 'users.acl'), join(data, 'users.acl'));
  const text = readFileSync(join(out, 'redis.conf'), 'utf8').replace(/^aclfile .*$/m, `aclfile ${data}/users.acl`);
  const auditor = /^REDFORT_PASSWORD_auditor=(.*)$/m.exec(readFileSync(join(out, 'credentials.env'), 'utf8'))![1]!;
  const server: RunningServer = await startRedis({ binary, killOnStop: true, port: original.port, confText: () => text, username: 'admin', password: /^REDFORT_PASSWORD_admin=(.*)$/m.exec(readFileSync(join(out, 'credentials.env'), 'utf8'))![1]! });
  try {
    return await audit(`redis://auditor:${encodeURIComponent(auditor)}@${server.host}:${server.port}`, {}, OPTIONS);
  } finally {
    await server.stop();
  }
}

/** Three masters of the build made one cluster: the first one's audit. */
async function cluster(binary: string): Promise<Audited> {
  const made = await startCluster({ masters: 3, replicasPerMaster: 0, binary });
  try {
    return await audit(made.nodes[0]!.url, {}, OPTIONS);
  } finally {
    await made.stop();
  }
}

describe('Redis 8.6.3 and Valkey 9.1.2 setups, live on the builds, versus their recordings', () => {
  for (const setup of SETUPS) {
    it(`${setup.build} ${setup.setup}: the live audit finds what ${setup.recording}.json's finds`, async () => {
      const binary = realBuild(setup.build);
      const live = setup.setup === 'hardened' ? await hardened(binary) : await cluster(binary);
      expectSetup(setup, live);
      const replayed = await recorded(setup);
      assert.deepEqual(comparable(live, replayed), comparable(replayed, replayed), `test/fixtures/replies/${setup.recording}.json: record it again (scripts/record-replies.mjs) from the setup its recordedFrom names`);
    });
  }
});
