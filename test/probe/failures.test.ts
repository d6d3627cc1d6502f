import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { probeOneTlsPort } from '../../src/gather/probe/index.ts';
import { arr, bulk, err, simple, startFakeServer } from '../helpers/fake-resp-server.ts';
import type { FakeServer } from '../helpers/fake-resp-server.ts';
import { freePort } from '../harness/servers.ts';
import { audit, expectStatus, port } from './helpers.ts';

// Ports that do not answer TLS: the probes give up within their timeouts, record why, and never throw.

const closers: (() => Promise<void>)[] = [];
after(() => Promise.all(closers.map((close) => close())));

/** Accepts connections and never writes a byte. */
async function blackHole(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  return (server.address() as net.AddressInfo).port;
}

/** What a 7.2's CONFIG GET * always lists among the settings the rules read (a reply without one is taken as filtered). */
const CONFIG_7_2: Record<string, string> = {
  port: '6379', bind: '* -::*', 'protected-mode': 'yes', requirepass: '', masterauth: '', masteruser: '', logfile: '', dir: '/var/lib/redis', aclfile: '',
  'tls-port': '0', 'tls-auth-clients': 'yes', 'tls-protocols': '', 'tls-ciphers': '', 'tls-ciphersuites': '', 'tls-prefer-server-ciphers': 'no',
  'tls-replication': 'no', 'tls-cluster': 'no', 'tls-cert-file': '', 'tls-key-file': '', 'tls-ca-cert-file': '', 'tls-ca-cert-dir': '',
  save: '3600 1 300 100 60 10000', appendonly: 'no', appendfsync: 'everysec', daemonize: 'no', loglevel: 'notice', 'syslog-enabled': 'no',
  'syslog-facility': 'local0', 'cluster-enabled': 'no', 'acl-pubsub-default': 'resetchannels', 'enable-debug-command': 'no',
  'enable-module-command': 'no', 'enable-protected-configs': 'no',
};

/** A plaintext Redis whose configuration names `tlsPort` as its TLS port. */
async function redisWithTlsPort(tlsPort: number): Promise<FakeServer> {
  const server = await startFakeServer((argv) => {
    const [name = '', sub = ''] = argv.map((a) => a.toUpperCase());
    if (name === 'PING') return simple('PONG');
    if (name === 'INFO') return bulk('# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\n');
    if (name === 'CONFIG' && sub === 'GET') return arr(...Object.entries({ ...CONFIG_7_2, 'tls-port': String(tlsPort) }).flat().map((v) => bulk(v)));
    if (name === 'ACL' && sub === 'LIST') return arr(bulk('user default on nopass ~* &* +@all'));
    return err(`ERR unknown command '${argv[0]}'`);
  });
  closers.push(() => server.close());
  return server;
}

describe('TLS ports that do not answer TLS', { concurrency: true }, () => {
  let silent: number;
  let closed: number;
  let plaintext: FakeServer;
  before(async () => {
    [silent, closed] = await Promise.all([blackHole(), freePort()]);
    // A server that speaks first, in clear text (a plaintext Redis would wait for a newline the ClientHello lacks).
    plaintext = await startFakeServer(() => null, { onConnection: (socket) => socket.write('-ERR not TLS\r\n') });
    closers.push(() => plaintext.close());
  });

  it('gives up on a silent port at the connect timeout, and the rules fall back on the configuration', async () => {
    const target = await redisWithTlsPort(silent);
    const { facts, results } = await audit(`redis://127.0.0.1:${target.port}`, {}, { connectTimeoutMs: 400 });
    const probed = port(facts, 'tls-port');
    assert.equal(probed.port, silent);
    // The configured 400 ms was the limit (how long the run took depends on the machine's load).
    assert.match(probed.error ?? '', /no TLS handshake within 400 ms/);
    const [protocols] = expectStatus(results, 'tls.weak-protocols', 'pass');
    assert.match(protocols!.message, /^tls-protocols is unset/);
    assert.ok(protocols!.evidence.some((e) => /no TLS session \(no TLS handshake within 400 ms\)/.test(e)), protocols!.evidence.join('\n'));
    const [certificate] = expectStatus(results, 'tls.certificate', 'skip');
    assert.match(certificate!.message, /no server certificate was seen: .*no TLS handshake within 400 ms/);
  });

  it('reports a closed port and a plaintext server as no TLS session, at once', async () => {
    const [refused, notTls] = await Promise.all([
      probeOneTlsPort({ host: '127.0.0.1', port: closed }, { timeoutMs: 3000 }),
      probeOneTlsPort({ host: '127.0.0.1', port: plaintext.port }, { timeoutMs: 3000 }),
    ]);
    assert.match(refused.error ?? '', /ECONNREFUSED/);
    assert.match(notTls.error ?? '', /wrong version number|packet length too long|closed/i);
    for (const probe of [refused, notTls]) {
      assert.deepEqual(probe.versions, []);
      assert.equal(probe.ciphers.status, 'untested');
      assert.equal(probe.clientAuth.mode, 'unknown');
    }
  });
});
