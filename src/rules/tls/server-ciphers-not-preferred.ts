import { defineRule, fail, pass, skip } from '../define.ts';
import { tls13Only, unlessTls } from './common.ts';
import type { ConfigMap, ProbeFacts } from '../../facts/types.ts';
import { onSentinel } from '../util.ts';
import { clipped } from '../../util/shown.ts';

const SENTINEL = 'Set `tls-prefer-server-ciphers yes` in sentinel.conf and restart the sentinel (it has no CONFIG SET, and SENTINEL CONFIG SET changes no TLS setting).';

/** TLS 1.3 suites with a full-length tag: every one but TLS_AES_128_CCM_8_SHA256 (an 8-byte tag, off in OpenSSL by default). */
const FULL_TLS13 = new Set(['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_128_CCM_SHA256']);

/**
 * Why a TLS 1.3-only server leaves a client no weak suite to steer to, when it does: it has one suite only, or every
 * suite it offers is an AEAD suite with a full-length tag (OpenSSL's default TLS 1.3 list is three such; Mozilla's
 * modern profile lets the client choose among them). From `tls-protocols` and `tls-ciphersuites`, or from what the
 * probes saw accepted on every port. Undefined otherwise.
 */
function nothingToPrefer(config: ConfigMap, probe: ProbeFacts | undefined): { readonly pass: string } | { readonly unknown: string } | undefined {
  const suites = (config.get('tls-ciphersuites')?.value ?? '').split(':').filter(Boolean);
  const strong = (list: readonly string[]) => ({ pass: `the server speaks TLS 1.3 only and every suite it offers (${list.join(', ')}) is an AEAD suite with a full-length tag: there is no weak suite for a client to steer to` });
  const only13 = tls13Only(config);
  if (only13) {
    if (suites.length === 1) return { pass: `the server offers one suite only (${suites[0]}): there is nothing to prefer` };
    if (suites.length > 0 && suites.every((s) => FULL_TLS13.has(s))) return strong(suites);
  }
  const ports = (probe?.tls ?? []).filter((p) => p.error === undefined && p.ciphers.status === 'complete');
  const seenOnWire = ports.length > 0 && !ports.some((p) => p.ciphers.tls12.length > 0) ? [...new Set(ports.flatMap((p) => p.ciphers.tls13))] : [];
  if (seenOnWire.length === 1) return { pass: `the server offers one suite only (${seenOnWire[0]}): there is nothing to prefer` };
  if (seenOnWire.length > 0 && seenOnWire.every((s) => FULL_TLS13.has(s))) return strong(seenOnWire);
  // TLS 1.3 only with tls-ciphersuites unset: the host's OpenSSL chooses the suites (its default three have full
  // tags, but an openssl.cnf may add TLS_AES_128_CCM_8_SHA256), and no probe saw them.
  if (only13 && suites.length === 0 && ports.length === 0) {
    return { unknown: `the server speaks TLS 1.3 only with tls-ciphersuites unset: its suites are the host OpenSSL's (its default three all have full-length tags; an openssl.cnf may add TLS_AES_128_CCM_8_SHA256), and no probe saw them; whether a weak one is offered shows on the wire (audit the live server)` };
  }
  return undefined;
}

export default defineRule({
  id: 'tls.server-ciphers-not-preferred',
  title: "The server's cipher order is preferred",
  severity: 'low',
  section: 'TLS',
  checklist: 'TLS 4',
  sources: ['live', 'config'],
  remediation: 'Set `tls-prefer-server-ciphers yes` (`CONFIG SET tls-prefer-server-ciphers yes`).',
  requires: ['config'],
  check({ config, probe, server }) {
    const notTls = unlessTls(config);
    if (notTls) return notTls;
    const prefer = config.get('tls-prefer-server-ciphers');
    const why = prefer?.value !== 'yes' ? nothingToPrefer(config, probe) : undefined;
    if (why && 'pass' in why) return pass(`tls-prefer-server-ciphers is '${clipped(prefer?.value ?? 'no')}', but ${why.pass}`, { source: prefer?.source ?? config.get('tls-protocols')?.source });
    if (why) return skip(`tls-prefer-server-ciphers is '${clipped(prefer?.value ?? 'no')}', but ${why.unknown}`);
    if (prefer?.value !== 'yes') {
      return onSentinel(fail({ message: `tls-prefer-server-ciphers is '${clipped(prefer?.value ?? 'no')}': a client can steer the handshake to the weakest suite both sides allow`, source: prefer?.source }), server, SENTINEL);
    }
    return pass("tls-prefer-server-ciphers is 'yes'", { source: prefer.source });
  },
});
