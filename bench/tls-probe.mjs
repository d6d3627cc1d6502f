// Times the full TLS probe of one port (versions, ciphers by elimination, client certificates, certificate) against
// real local redis-servers: a strict one and a weak one. Prints a Markdown table for the README.
// Usage: node --import tsx bench/tls-probe.mjs   (BENCH_ROUNDS=20 by default; needs redis-server and openssl)
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { probeOneTlsPort } from '../src/gather/probe/index.ts';
import { startRedis, stopAll } from '../test/harness/servers.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);

const SERVERS = [
  {
    name: 'strict: TLSv1.2+1.3, 3 AEAD suites, client certs required',
    options: {
      tls: { authClients: 'yes' },
      conf: 'tls-protocols "TLSv1.2 TLSv1.3"\ntls-ciphers "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305"',
    },
  },
  {
    name: 'default: tls-protocols and tls-ciphers unset, client certs required',
    options: { tls: { authClients: 'yes' } },
  },
  {
    name: 'weak: TLSv1-1.2, DEFAULT:@SECLEVEL=0, no client certs',
    options: { tls: { authClients: 'no' }, conf: 'tls-protocols "TLSv1 TLSv1.1 TLSv1.2"\ntls-ciphers "DEFAULT:@SECLEVEL=0"' },
  },
  {
    name: 'very weak: TLSv1.2, ALL:eNULL:@SECLEVEL=0, optional client certs',
    options: { tls: { authClients: 'optional' }, conf: 'tls-protocols "TLSv1.2"\ntls-ciphers "ALL:eNULL:@SECLEVEL=0"' },
  },
];

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
}

/**
 * Handshakes of one probe: the open one, one per version, one per suite found plus one refusal per part of the
 * TLS 1.2 list (4) and for TLS 1.3, and the untrusted certificate when the first got in.
 */
function handshakes(probe) {
  const accepted = (v) => probe.versions.some((p) => p.version === v && p.status === 'accepted');
  return 1 + probe.versions.length + (accepted('TLSv1.2') ? probe.ciphers.tls12.length + 4 : 0) + (accepted('TLSv1.3') ? probe.ciphers.tls13.length + 1 : 0) + (probe.clientAuth.mode === 'required' ? 0 : 1);
}

const rows = [];
try {
  for (const { name, options } of SERVERS) {
    const server = await startRedis(options);
    const certs = server.certs;
    const tls = { ca: readFileSync(certs.ca), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) };
    const endpoint = { host: server.host, port: server.tlsPort };
    const probeOnce = () => probeOneTlsPort(endpoint, { tls, caGiven: true });
    let last = await probeOnce(); // warm-up: certificate parsing, OpenSSL contexts
    const samples = [];
    for (let i = 0; i < ROUNDS; i++) {
      const started = performance.now();
      last = await probeOnce();
      samples.push(performance.now() - started);
    }
    rows.push({ name, probe: last, ...stats(samples) });
    await server.stop();
  }
} finally {
  await stopAll();
}

const ms = (n) => `${n.toFixed(0)} ms`;
const out = [
  `Full TLS probe of one port, ${ROUNDS} rounds each (Node ${process.version}, redis-server on 127.0.0.1, at most 4 connections at once)`,
  '',
  '| server | versions accepted | TLS 1.2 suites | handshakes | median | min | max |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(({ name, probe, median, min, max }) =>
    `| ${name} | ${probe.versions.filter((v) => v.status === 'accepted').map((v) => v.version).join(', ')} | ${probe.ciphers.tls12.length} | ${handshakes(probe)} | ${ms(median)} | ${ms(min)} | ${ms(max)} |`,
  ),
];
process.stdout.write(`${out.join('\n')}\n`);
