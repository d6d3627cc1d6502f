import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import tls from 'node:tls';
import { makeCerts } from './certs.ts';
import type { CertSet } from './certs.ts';
import { rawCommand, rawPipeline, RespError } from './raw.ts';
import type { RespValue } from './raw.ts';
import {
  freePort,
  startCluster,
  startRedis,
  startRedisExpectingExit,
  startReplica,
  startSentinels,
  stopAll,
} from './servers.ts';

after(stopAll);

/** Sends inline PING over mutual TLS and returns the first reply line. */
function tlsPing(port: number, certs: CertSet, client?: { cert: string; key: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ca: readFileSync(certs.ca),
      cert: client && readFileSync(client.cert),
      key: client && readFileSync(client.key),
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    // TLS 1.3 reports a refused client certificate only after the handshake.
    socket.once('secureConnect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      resolve(data.toString().trim());
      socket.destroy();
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed without a reply')));
  });
}

function peerCertificate(port: number): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate());
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// Every test starts its own servers on free ports, so they run side by side.
describe('harness', { concurrency: true }, () => {
  describe('ports', { concurrency: true }, () => {
    test('freePort with a bus port leaves room for port + 10000', async () => {
      const port = await freePort('127.0.0.1', { withBusPort: true });
      assert.ok(port > 0 && port + 10000 <= 65535, String(port));
    });

    test('127.0.0.2 and 127.0.0.3 are bindable loopback addresses', async () => {
      assert.ok((await freePort('127.0.0.2')) > 0);
      assert.ok((await freePort('127.0.0.3')) > 0);
    });
  });

  describe('single servers', { concurrency: true }, () => {
    test('a plain server answers PING and is gone after stop', async () => {
      const server = await startRedis();
      assert.equal(await rawCommand(server.host, server.port, ['PING']), 'PONG');
      assert.equal(server.url, `redis://127.0.0.1:${server.port}`);
      assert.match(readFileSync(server.confPath, 'utf8'), /^save ""$/m);
      await server.stop();
      assert.equal(isAlive(server.pid), false);
      assert.equal(existsSync(server.dir), false);
    });

    test('a server with an ACL file enforces it', async () => {
      const server = await startRedis({
        conf: 'aclfile users.acl',
        files: {
          'users.acl': {
            content: 'user default off\nuser alice on >alice-secret ~* &* +@all\n',
            mode: 0o600,
          },
        },
      });
      await assert.rejects(rawCommand(server.host, server.port, ['PING']), /NOAUTH/);
      await assert.rejects(
        rawCommand(server.host, server.port, ['PING'], { user: 'alice', password: 'wrong' }),
        /WRONGPASS/,
      );
      const auth = { user: 'alice', password: 'alice-secret' };
      assert.equal(await rawCommand(server.host, server.port, ['ACL', 'WHOAMI'], auth), 'alice');
      const users = (await rawCommand(server.host, server.port, ['ACL', 'USERS'], auth)) as RespValue[];
      assert.deepEqual([...users].sort(), ['alice', 'default']);
      await server.stop();
    });

    test('a server runs as another OS user', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
      const server = await startRedis({ user: 'redis', tls: { authClients: 'yes', plaintextPort: true } });
      const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
      const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      assert.equal(uid, execFileSync('id', ['-u', 'redis'], { encoding: 'utf8' }).trim());
      assert.equal(await rawCommand(server.host, server.tlsPort!, ['PING'], { tls: true }), 'PONG');
      await server.stop();
    });

    test('a config error fails the start with the server output', async () => {
      await assert.rejects(startRedis({ conf: 'no-such-directive yes' }), (error: Error) => {
        assert.match(error.message, /exited before it was ready/);
        assert.match(error.message, /no-such-directive/);
        return true;
      });
    });

    test('confText is the whole config; killOnStop kills', async () => {
      const text = (port: number) => `# mine\r\nport ${port}\nbind 127.0.0.1\nhz 7`;
      const server = await startRedis({ confText: text, killOnStop: true });
      assert.equal(readFileSync(server.confPath, 'utf8'), text(server.port));
      // No base config: the compiled-in save points, the server dir as cwd and dir.
      const [save, dir, hz] = await rawPipeline(server.host, server.port, [
        ['CONFIG', 'GET', 'save'],
        ['CONFIG', 'GET', 'dir'],
        ['CONFIG', 'GET', 'hz'],
      ]);
      assert.deepEqual(save, ['save', '3600 1 300 100 60 10000']);
      assert.deepEqual(dir, ['dir', realpathSync(server.dir)]);
      assert.deepEqual(hz, ['hz', '7']);
      await server.stop();
      assert.equal(isAlive(server.pid), false);
      await assert.rejects(startRedis({ confText: text, conf: 'hz 8' }), /cannot be combined/);
    });

    test('a replica that does not serve stale data (MASTERDOWN) counts as started', async () => {
      const server = await startRedis({ conf: 'replicaof 127.0.0.1 1\nreplica-serve-stale-data no', killOnStop: true });
      await assert.rejects(rawCommand(server.host, server.port, ['GET', 'k']), /MASTERDOWN/);
      await server.stop();
    });

    test('startRedisExpectingExit returns the exit code and output, and keeps the dir until stop', async () => {
      const exited = await startRedisExpectingExit({
        confText: (port) => `port ${port}\nmaxclients 007\n`,
        files: { 'users.acl': 'user a on nopass\n' },
      });
      assert.equal(exited.kind, 'redis');
      assert.equal(exited.exitCode, 1);
      assert.match(exited.output, /FATAL CONFIG FILE ERROR/);
      assert.match(exited.output, /at line 2/);
      assert.match(readFileSync(exited.confPath, 'utf8'), /^maxclients 007$/m);
      assert.equal(existsSync(join(exited.dir, 'users.acl')), true);
      await exited.stop();
      assert.equal(existsSync(exited.dir), false);
    });

    test('startRedisExpectingExit reads errors from the logfile too, and rejects a server that starts', async () => {
      const exited = await startRedisExpectingExit({ conf: 'aclfile users.acl', files: { 'users.acl': '# comment\n' } });
      assert.equal(exited.exitCode, 1);
      assert.match(exited.output, /Aborting Redis startup because of ACL errors/);
      await exited.stop();
      await assert.rejects(startRedisExpectingExit({ conf: 'hz 5' }), /answered PING, but was expected to exit/);
    });

    test('rawPipeline with bytes: true returns simple and bulk strings byte for byte', async () => {
      const server = await startRedis({ killOnStop: true });
      const commands = [['SET', 'k', 'été'], ['GETRANGE', 'k', '0', '0'], ['LRANGE', 'none', '0', '-1'], ['NOPE']];
      const bytes = await rawPipeline(server.host, server.port, commands, { bytes: true });
      assert.deepEqual(bytes.slice(0, 3), [Buffer.from('OK'), Buffer.from([0xc3]), []]);
      assert.ok(bytes[3] instanceof RespError && bytes[3].code === 'ERR', String(bytes[3]));
      // The text mode cannot keep a lone byte of a UTF-8 sequence.
      const text = await rawPipeline(server.host, server.port, commands.slice(0, 2));
      assert.deepEqual(text, ['OK', '\uFFFD']);
      await server.stop();
    });

    test('a busy fixed port fails the start with the log tail', async () => {
      const server = await startRedis();
      await assert.rejects(startRedis({ port: server.port }), /Address already in use/);
      await server.stop();
    });
  });

  describe('TLS', { concurrency: true }, () => {
    test('tls-auth-clients yes accepts the CA-signed client certificate only', async () => {
      const certs = await makeCerts();
      const server = await startRedis({ tls: { authClients: 'yes' } });
      assert.equal(server.port, server.tlsPort);
      assert.match(server.url, /^rediss:\/\//);
      assert.equal(await tlsPing(server.port, certs, { cert: certs.clientCert, key: certs.clientKey }), '+PONG');
      await assert.rejects(tlsPing(server.port, certs, { cert: certs.probeCert, key: certs.probeKey }));
      await assert.rejects(tlsPing(server.port, certs));
      assert.equal(await rawCommand(server.host, server.port, ['PING'], { tls: true }), 'PONG');
      await server.stop();
    });

    test('TLS with a plaintext port listens on both', async () => {
      const server = await startRedis({ tls: { authClients: 'no', plaintextPort: true } });
      assert.notEqual(server.port, server.tlsPort);
      assert.equal(await rawCommand(server.host, server.port, ['PING']), 'PONG');
      assert.equal(await tlsPing(server.tlsPort!, server.certs!), '+PONG');
      await server.stop();
    });

    test('expired and 1024-bit certificates are served as made', async () => {
      const certs = await makeCerts();
      const [expired, weak] = await Promise.all([
        startRedis({ tls: { authClients: 'no', cert: certs.expiredCert, key: certs.expiredKey } }),
        startRedis({ tls: { authClients: 'no', cert: certs.weakCert, key: certs.weakKey, legacySeclevel: true } }),
      ]);
      const expiredPeer = await peerCertificate(expired.port);
      assert.equal(new Date(expiredPeer.valid_to).toISOString(), '2020-02-01T00:00:00.000Z');
      assert.equal((await peerCertificate(weak.port)).bits, 1024);
      await Promise.all([expired.stop(), weak.stop()]);
    });

    test('the expiring certificate has about 10 days left', async () => {
      const certs = await makeCerts();
      const cert = new X509Certificate(readFileSync(certs.expiringCert));
      const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
      assert.ok(days > 9 && days <= 10, String(days));
    });
  });

  describe('replication and sentinel', { concurrency: true }, () => {
    test('a replica with masteruser/masterauth reaches master_link_status:up', async () => {
      const master = await startRedis({
        password: 'master-secret',
        conf: [
          'requirepass master-secret',
          'user replicator on >replica-secret +psync +replconf +ping',
        ].join('\n'),
      });
      const replica = await startReplica(master, { masteruser: 'replicator', masterauth: 'replica-secret' });
      const info = String(await rawCommand(replica.host, replica.port, ['INFO', 'replication']));
      assert.match(info, /master_link_status:up/);
      assert.match(info, new RegExp(`master_port:${master.port}\\b`));
      const onMaster = String(
        await rawCommand(master.host, master.port, ['INFO', 'replication'], { password: 'master-secret' }),
      );
      assert.match(onMaster, /connected_slaves:1/);
      await Promise.all([replica.stop(), master.stop()]);
    });

    test('a replica of a TLS-only master replicates over TLS', async () => {
      const master = await startRedis({ tls: true });
      const replica = await startReplica(master);
      const info = String(await rawCommand(replica.host, replica.port, ['INFO', 'replication']));
      assert.match(info, /master_link_status:up/);
      assert.match(readFileSync(replica.confPath, 'utf8'), /^tls-replication yes$/m);
      await Promise.all([replica.stop(), master.stop()]);
    });

    test('three sentinels find each other', async () => {
      const master = await startRedis({ password: 'master-secret', conf: 'requirepass master-secret' });
      const sentinels = await startSentinels(3, master, {
        authPass: 'master-secret',
        requirepass: 'sentinel-secret',
      });
      assert.equal(sentinels.length, 3);
      const auth = { password: 'sentinel-secret' };
      for (const sentinel of sentinels) {
        const peers = await eventually(
          async () => (await rawCommand(sentinel.host, sentinel.port, ['SENTINEL', 'SENTINELS', 'mymaster'], auth)) as RespValue[],
          (list) => list.length === 2,
          15_000,
        );
        assert.equal(peers.length, 2, `sentinel ${sentinel.port} sees ${peers.length} peers`);
      }
      const address = await rawCommand(sentinels[0]!.host, sentinels[0]!.port,
        ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster'], auth);
      assert.deepEqual(address, ['127.0.0.1', String(master.port)]);
      await Promise.all([...sentinels.map((s) => s.stop()), master.stop()]);
    });
  });

  describe('cluster', { concurrency: true }, () => {
    test('3 masters over 127.0.0.1-3 reach cluster_state:ok', async () => {
      const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
      const cluster = await startCluster({ masters: 3, replicasPerMaster: 0, hosts });
      assert.deepEqual(cluster.nodes.map((node) => node.host), hosts);
      for (const node of cluster.nodes) {
        const info = String(await rawCommand(node.host, node.port, ['CLUSTER', 'INFO']));
        assert.match(info, /cluster_state:ok/);
        assert.match(info, /cluster_slots_assigned:16384/);
      }
      const nodes = String(await rawCommand('127.0.0.2', cluster.nodes[1]!.port, ['CLUSTER', 'NODES']));
      for (const node of cluster.nodes) assert.ok(nodes.includes(`${node.host}:${node.port}@`), nodes);
      await cluster.stop();
      for (const node of cluster.nodes) assert.equal(isAlive(node.pid), false);
    });

    test('a TLS-only cluster over two hosts', async () => {
      const cluster = await startCluster({ masters: 3, replicasPerMaster: 0, hosts: ['127.0.0.2', '127.0.0.3'], tls: true });
      for (const node of cluster.nodes) {
        assert.equal(node.port, node.tlsPort);
        const info = String(await rawCommand(node.host, node.port, ['CLUSTER', 'INFO'], { tls: true }));
        assert.match(info, /cluster_state:ok/);
      }
      await cluster.stop();
    });

    test('3 masters with a replica each, with a password', async () => {
      const cluster = await startCluster({
        masters: 3,
        replicasPerMaster: 1,
        hosts: ['127.0.0.1', '127.0.0.2', '127.0.0.3'],
        password: 'cluster-secret',
      });
      const roles = await Promise.all(
        cluster.nodes.map(async (node) =>
          /role:(\w+)/.exec(
            String(await rawCommand(node.host, node.port, ['INFO', 'replication'], { password: 'cluster-secret' })),
          )?.[1],
        ),
      );
      assert.deepEqual(roles.sort(), ['master', 'master', 'master', 'slave', 'slave', 'slave']);
      await cluster.stop();
    });
  });
});
