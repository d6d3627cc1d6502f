import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigMap } from '../../facts/types.ts';
import { ruleContext } from '../../rules/context.ts';
import { runRules } from '../../engine/run.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './disabled.ts';
import { withHost } from '../../../test/host/fixtures.ts';

const conf = (text: string, version?: string) => liveFacts({ conf: text, ...(version ? { version } : {}) });

/** A server built without TLS: CONFIG GET reports no tls-* settings. */
function withoutTls(text: string): ReturnType<typeof liveFacts> {
  const facts = conf(text);
  const config: ConfigMap = new Map([...facts.config!].filter(([name]) => !name.startsWith('tls-')));
  return { ...facts, config };
}

/** The same facts from a server whose version was not read (INFO denied). */
function unknownVersion(facts: ReturnType<typeof liveFacts>): ReturnType<typeof liveFacts> {
  return { ...facts, server: { ...facts.server!, version: undefined } };
}

ruleTester(rule, {
  pass: [
    { name: 'tls-port 6380', facts: conf('tls-port 6380\ntls-cert-file /etc/redis/tls/redis.crt\ntls-key-file /etc/redis/tls/redis.key'), message: /tls-port is 6380/ },
    { name: 'TLS only', facts: conf('port 0\ntls-port 6379') },
    // Checklist TLS 1 (no plaintext port) holds, and TLS does not apply to a unix socket: nothing crosses a network.
    { name: 'a unix-socket-only server (port 0)', facts: conf('port 0\nunixsocket /run/redis/redis.sock'), message: /^tls-port is '0', but no TCP port is open \(port 0, tls-port 0\): clients connect only through the unix socket/ },
    { name: '7.x bind "" (no TCP listener)', facts: conf('bind ""\nunixsocket /run/redis.sock'), message: /but no TCP port is open \(bind is ''\)/ },
  ],
  fail: [
    // The configuration says port 0, but INFO shows the TCP port the audit connected to: not what listens.
    { name: 'port 0 in the configuration while INFO shows a TCP port: medium', facts: { ...conf('port 0\nunixsocket /run/redis/redis.sock'), info: new Map([['server', new Map([['tcp_port', '6379']])]]) }, messages: [/^tls-port is '0': every client/], severity: 'medium' },
    { name: 'loopback only: medium', facts: conf('bind 127.0.0.1 -::1'), messages: [/tls-port is '0': every client and its password cross the network in clear text/], severity: 'medium' },
    { name: 'bound to every interface (7.x default): high', facts: conf(''), messages: [/tls-port is '0'/], severity: 'high' },
    { name: 'bound to a private address: high', facts: conf('bind 10.0.0.5'), severity: 'high' },
    { name: 'bound to a public address: high', facts: conf('bind 198.51.100.20 127.0.0.1'), severity: 'high' },
    { name: '6.0 with no bind line (every interface): high', facts: conf('', '6.0.20'), severity: 'high' },
    { name: 'built without TLS', facts: withoutTls('bind 0.0.0.0'), messages: [/this server has no TLS support/], severity: 'high' },
    { name: 'Redis 5.0 has no TLS at all (no compiled tls-port default to quote)', facts: conf('bind 127.0.0.1', '5.0.14'), messages: [/Redis 5\.0 has no TLS support \(TLS came with Redis 6\.0\)/], severity: 'medium' },
  ],
  skip: [
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
    // 6.x listens on every interface with an empty bind, 7.0+ on none: without the version, unknown, not a pass.
    { name: 'bind "" on a server of unknown version', facts: unknownVersion(conf('bind ""\nunixsocket /run/redis.sock')), message: /bind is '': no TCP listener from Redis 7\.0, every interface before it, and this server's version is unknown/ },
  ],
});

test(`${rule.id}: the evidence says how far the listeners reach`, () => {
  const [result] = runRules([rule], conf('bind 10.0.0.5'), { context: ruleContext({ nowSeconds: 1_800_000_000 }) });
  assert.deepEqual(result?.evidence, ['listeners reach: private']);
});

test(`${rule.id}: a user override of the severity wins over the raised one`, () => {
  const [result] = runRules([rule], conf(''), { context: ruleContext(), severityOverrides: new Map([['tls.disabled', 'low']]) });
  assert.equal(result?.severity, 'low');
});

// QA41-1: a host name in bind made the reach 'public' and the finding high, whatever it resolved to.
test(`${rule.id}: a host name in bind is judged on the addresses it listens on, else its reach is unknown, never public`, () => {
  const judge = (facts: ReturnType<typeof liveFacts>) => runRules([rule], facts, { context: ruleContext({ nowSeconds: 1_800_000_000 }) })[0]!;
  const loopback = judge(withHost({ listeners: [{ family: 'ip', address: '127.0.0.1', port: 6379 }] }, { conf: 'bind vm' }));
  assert.equal(loopback.severity, 'medium');
  assert.deepEqual(loopback.evidence, ['listeners reach: loopback']);
  const fileOnly = judge(conf('bind redis-master'));
  assert.equal(fileOnly.severity, 'medium');
  assert.equal(fileOnly.evidence[0], 'listeners reach: unknown');
  assert.match(fileOnly.evidence[1] ?? '', /^bind 'redis-master' is a host name: what it resolves to where the server runs is not known to this audit/);
  const publicName = judge(withHost({ listeners: [{ family: 'ip', address: '198.51.100.4', port: 6379 }] }, { conf: 'bind db.example.com' }));
  assert.equal(publicName.severity, 'high');
  assert.deepEqual(publicName.evidence, ['listeners reach: public']);
});
