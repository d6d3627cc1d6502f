import { after, describe, it } from 'node:test';
import { audit } from '../probe/helpers.ts';
import { startRecordedServer } from '../helpers/recorded-server.ts';
import type { RecordedServer } from '../helpers/recorded-server.ts';
import { expectSetup, recordedLogin, SETUPS } from './setups.ts';

// Redis 8.6.3 and Valkey 9.1.2 hardened by redfort and in cluster mode, replayed from the real builds' recorded
// replies (see ./setups.ts; test/builds/setups.test.ts runs the builds): CI has only Debian's 7.0.15.

const servers: RecordedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

describe('Redis 8.6 and Valkey 9.1 setups, recorded', { concurrency: true }, () => {
  for (const setup of SETUPS) {
    it(`${setup.recording}: ${setup.setup === 'hardened' ? 'audited as its auditor user, every rule harden fixes passes' : 'one node of a three-master cluster on one host'}`, async () => {
      const server = await startRecordedServer(setup.recording);
      servers.push(server);
      const login = recordedLogin(server.recording);
      const url = login ? server.url.replace('redis://', `redis://${login.user}:${encodeURIComponent(login.password)}@`) : server.url;
      expectSetup(setup, await audit(url, {}, { noHost: true, noProbe: true }));
    });
  }
});
