import type { CertificateFacts, Facts } from '../../facts/types.ts';
import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { formatSource } from '../../facts/types.ts';
import { unlessTls } from './common.ts';
import { portLabel } from './wire.ts';
import { presentedClientCertificate, purposeProblem } from '../../redis/tls-purpose.ts';
import { infoField } from '../../redis/info.ts';

const DAY = 86_400;
/** Below these a key is weak (NIST SP 800-57: 112-bit security). */
const MIN_BITS: Readonly<Record<string, number>> = { rsa: 2048, 'rsa-pss': 2048, dsa: 2048, ec: 256 };

interface Seen {
  readonly certificate: CertificateFacts;
  readonly where: string[];
  /** Served to clients (a TLS port, tls-cert-file): it must be a server certificate. */
  server: boolean;
}

/** Every certificate seen, once per fingerprint, with where: on the wire (per port) and in `tls-cert-file`. */
function certificates(facts: Facts): Seen[] {
  const byFingerprint = new Map<string, Seen>();
  const add = (certificate: CertificateFacts, where: string, server = true) => {
    const seen = byFingerprint.get(certificate.fingerprint256);
    if (seen) {
      seen.where.push(where);
      seen.server ||= server;
    } else byFingerprint.set(certificate.fingerprint256, { certificate, where: [where], server });
  };
  const path = (c: CertificateFacts) => (c.source.kind === 'file' ? c.source.path : formatSource(c.source));
  for (const port of facts.probe?.tls ?? []) if (port.certificate) add(port.certificate, portLabel(port));
  const file = facts.probe?.certificateFile;
  if (file) add(file, `tls-cert-file ${path(file)}`);
  const client = facts.probe?.clientCertificateFile;
  if (client) add(client, `tls-client-cert-file ${path(client)}`, false);
  return [...byFingerprint.values()];
}

/**
 * How the server connects to others over TLS as a client now (a replica with tls-replication yes, a cluster node
 * with tls-cluster yes), presenting tls-client-cert-file, else tls-cert-file: the certificate that must be a client
 * certificate, with the severity of its refusal. Undefined when it does not, or when that certificate was not seen.
 */
function dialing(facts: Facts): { how: string; certificate: CertificateFacts; severity: 'high' | 'medium' } | undefined {
  const config = facts.config ?? facts.files?.config;
  const value = (name: string) => config?.get(name)?.value;
  const replica = (value('replicaof') ?? value('slaveof') ?? '') !== '' || (facts.info !== undefined && infoField(facts.info, 'role') === 'slave');
  const bus = value('tls-cluster') === 'yes' && (value('cluster-enabled') === 'yes' || facts.server?.mode === 'cluster');
  const how = bus
    ? { how: 'on the cluster bus (tls-cluster yes), where the other nodes always ask for a client certificate', severity: 'high' as const }
    : replica && value('tls-replication') === 'yes'
      ? { how: 'to its master (tls-replication yes), which refuses it as soon as it asks for client certificates (tls-auth-clients yes or optional)', severity: 'medium' as const }
      : undefined;
  if (!how) return undefined;
  const presented = presentedClientCertificate(facts, value);
  return 'certificate' in presented ? { ...how, certificate: presented.certificate } : undefined;
}

function date(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

function keyText(c: CertificateFacts): string {
  const type = c.keyType === 'ec' ? `EC${c.curve ? ` ${c.curve}` : ''}` : c.keyType.toUpperCase();
  return c.keyBits === undefined ? type : `${type} ${c.keyBits}-bit`;
}

/** Verification errors of dates only, by OpenSSL's code as Node names it: the chain itself reached the CA. */
const DATE_ERRORS: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'a certificate of its chain has expired',
  CERT_NOT_YET_VALID: 'a certificate of its chain is not yet valid',
};

/** What the wire said about trust, for the message: not a failure by itself (see the rule's docs). */
function trustNotes(c: CertificateFacts): string[] {
  const notes: string[] = [];
  if (c.selfSigned) notes.push('self-signed');
  if (c.chain) {
    const against = c.chain.against === 'cacert' ? 'the --cacert CA' : 'the system roots (no --cacert given)';
    const dates = c.chain.error !== undefined ? DATE_ERRORS[c.chain.error] : undefined;
    // A date error comes after the chain was built up to a trusted CA: the CA signed it, only the dates fail (QA41-17).
    notes.push(c.chain.trusted ? `chained to ${against}` : dates ? `chained to ${against}, but ${dates} (${c.chain.error})` : `not chained to ${against}${c.chain.error ? ` (${c.chain.error})` : ''}`);
  }
  if (c.hostname) notes.push(c.hostname.matches ? `names '${c.hostname.name}'` : `does not name '${c.hostname.name}'`);
  return notes;
}

/** Whether a verification error (Node's code, or its text) is one of dates. */
function dateError(error: string): boolean {
  return Object.keys(DATE_ERRORS).some((code) => error.includes(code)) || /expired|not yet valid/i.test(error);
}

/** A chain certificate by what it is: an intermediate, or the CA at its top (issued by itself). */
function chainLabel(c: CertificateFacts, depth: number, where: readonly string[]): string {
  return `the ${c.selfSigned ? 'CA' : 'intermediate'} certificate ${c.subject} (depth ${depth}) of ${where.join(' and ')}`;
}

/** How long ago a certificate expired, in whole days elapsed (QA45-11: flooring the negative span counted one too many). */
function ago(validTo: number, now: number): string {
  const days = Math.floor((now - validTo) / DAY);
  return days === 0 ? 'less than a day ago' : `${days} day${days === 1 ? '' : 's'} ago`;
}

/**
 * Judges the certificates of a leaf's chain for their dates and keys, pushing findings; returns the index (among
 * those pushed) of the first finding of a certificate out of its dates, if any.
 */
function judgeChain(leaf: CertificateFacts, where: readonly string[], now: number, expiryDays: number, findings: Finding[]): number | undefined {
  const start = findings.length;
  let outOfDate: number | undefined;
  (leaf.chainCertificates ?? []).forEach((c, i) => {
    const label = chainLabel(c, i + 1, where);
    const evidence = [`issuer: ${c.issuer}`, `valid ${date(c.validFrom)} to ${date(c.validTo)}`, `SHA-256 fingerprint ${c.fingerprint256}`, `issued the certificate ${i === 0 ? leaf.subject : leaf.chainCertificates![i - 1]!.subject}`];
    const days = Math.floor((c.validTo - now) / DAY);
    if (c.validTo <= now) {
      outOfDate ??= findings.length - start;
      findings.push({ message: `${label} expired on ${date(c.validTo)}, ${ago(c.validTo, now)}: clients that verify the chain refuse to connect`, source: c.source, evidence });
    } else if (c.validTo - now < expiryDays * DAY) {
      findings.push({ message: `${label} expires on ${date(c.validTo)}, in ${days} day${days === 1 ? '' : 's'} (threshold ${expiryDays}): the chain stops verifying then`, source: c.source, severity: 'medium', evidence });
    }
    if (c.validFrom > now) {
      outOfDate ??= findings.length - start;
      findings.push({ message: `${label} is not valid before ${date(c.validFrom)}: clients that verify the chain refuse to connect until then`, source: c.source, severity: 'medium', evidence });
    }
    const min = MIN_BITS[c.keyType];
    if (min !== undefined && c.keyBits !== undefined && c.keyBits < min) {
      findings.push({ message: `${label} has a ${keyText(c)} key: below ${min} bits its signature can be forged`, source: c.source, evidence });
    }
  });
  return outOfDate;
}

export default defineRule({
  id: 'tls.certificate',
  title: 'The server certificate is valid, not about to expire, and uses a strong key',
  severity: 'high',
  section: 'TLS',
  checklist: 'TLS (beyond)',
  sources: ['probe', 'config'],
  remediation: 'Renew the certificate before it expires, with an RSA key of at least 2048 bits or an EC key of at least 256 bits.',
  requires: [],
  check(facts, { thresholds, nowSeconds }) {
    const seen = certificates(facts);
    // The live connection asked for verification and the certificate failed it: clients that verify refuse it too.
    const unverified = facts.connection?.tlsUnverified;
    const withheld = facts.connection?.credentialsWithheld ? ' and sent it no credentials (--insecure sends them)' : '';
    const unverifiedText = `did not verify (${unverified}): clients that verify it refuse to connect; this audit connected without verifying it${withheld}`;
    const targetCertificate = facts.probe?.tls.find((p) => p.role === 'target')?.certificate?.fingerprint256;
    if (unverified && (seen.length === 0 || !seen.some((x) => x.certificate.fingerprint256 === targetCertificate))) {
      return fail({ message: `the server certificate of ${facts.target} ${unverifiedText}`, source: { kind: 'live', command: 'TLS handshake' } });
    }
    if (seen.length === 0) {
      const notTls = facts.config ? unlessTls(facts.config) : undefined;
      if (notTls) return notTls;
      const why = [
        facts.unavailable.probe,
        facts.probe?.networkSkipped,
        facts.probe?.certificateFileUnread,
        ...(facts.probe?.tls ?? []).filter((p) => p.error).map((p) => `${portLabel(p)}: ${p.error}`),
      ].filter((w): w is string => w !== undefined);
      return skip(`no server certificate was seen${why.length > 0 ? `: ${why.join('; ')}` : ' (no TLS port was probed and tls-cert-file was not read)'}`);
    }
    // The later of the server's clock and redfort's: clients check the dates by their own clocks, and a server whose
    // clock is behind must not make an expired certificate look valid.
    const now = Math.max(facts.now?.value ?? nowSeconds, nowSeconds);
    const findings: Finding[] = [];
    const passes: string[] = [];
    const client = dialing(facts);
    for (const { certificate: c, where, server } of seen) {
      const label = `the certificate of ${where.join(' and ')} (${c.subject})`;
      const evidence = [`issuer: ${c.issuer}`, `valid ${date(c.validFrom)} to ${date(c.validTo)}`, `SHA-256 fingerprint ${c.fingerprint256}`, ...trustNotes(c)];
      const before = findings.length;
      const days = Math.floor((c.validTo - now) / DAY);
      // Expired or not yet valid: the reason a verifying client refuses it (the verification error says no more).
      const outOfDate = c.validTo <= now || c.validFrom > now;
      if (c.validTo <= now) {
        findings.push({ message: `${label} expired on ${date(c.validTo)}, ${ago(c.validTo, now)}: clients that verify it refuse to connect`, source: c.source, evidence });
      } else if (c.validTo - now < thresholds.certExpiryDays * DAY) {
        findings.push({ message: `${label} expires on ${date(c.validTo)}, in ${days} day${days === 1 ? '' : 's'} (threshold ${thresholds.certExpiryDays})`, source: c.source, severity: 'medium', evidence });
      }
      if (c.validFrom > now) {
        findings.push({ message: `${label} is not valid before ${date(c.validFrom)}`, source: c.source, severity: 'medium', evidence });
      }
      // Its extensions (QA38-14, QA38-16): a client-only certificate served on a TLS port, a server-only one presented
      // as the client certificate of replication or the cluster bus, are refused by the peer that verifies them.
      const serverProblem = server ? purposeProblem(c, 'server') : undefined;
      if (serverProblem) findings.push({ message: `${label} is no server certificate: ${serverProblem}; clients that verify it refuse to connect`, source: c.source, evidence });
      const clientProblem = client && client.certificate.fingerprint256 === c.fingerprint256 ? purposeProblem(c, 'client') : undefined;
      if (client && clientProblem) findings.push({ message: `${label} is what this server presents as its client certificate ${client.how}, and it is no client certificate: ${clientProblem} (set tls-client-cert-file to one with clientAuth)`, source: c.source, severity: client.severity, evidence });
      const min = MIN_BITS[c.keyType];
      if (min !== undefined && c.keyBits !== undefined && c.keyBits < min) {
        findings.push({ message: `${label} has a ${keyText(c)} key: below ${min} bits it can be factored or forged`, source: c.source, evidence });
      }
      // The certificates of its chain (QA41-22): an expired intermediate makes every verifying client refuse the
      // server as surely as an expired leaf. Judged for their dates and keys; their purpose is a CA's.
      const chainStart = findings.length;
      const chainOutOfDate = judgeChain(c, where, now, thresholds.certExpiryDays, findings);
      if (unverified && c.fingerprint256 === targetCertificate) {
        // An expired (or not yet valid) certificate says why it does not verify: the error joins that finding's
        // evidence (the leaf's, else the chain certificate's). Any other reason (another name, an untrusted issuer)
        // is a finding of its own, first: a key that is short or a date that is near does not say that clients
        // already refuse it.
        const note = `did not verify: ${unverified}; this audit connected without verifying it${withheld}`;
        const at = outOfDate ? before : chainOutOfDate !== undefined && dateError(unverified) ? chainStart + chainOutOfDate : undefined;
        const first = at !== undefined ? findings[at] : undefined;
        if (at !== undefined && first) findings[at] = { ...first, evidence: [...(first.evidence ?? []), note] };
        else findings.splice(before, 0, { message: `${label} ${unverifiedText}`, source: c.source, evidence });
      }
      if (findings.length === before) {
        passes.push(`${label} is valid until ${date(c.validTo)} (${days} days) with a ${keyText(c)} key${trustNotes(c).length > 0 ? `; ${trustNotes(c).join(', ')}` : ''}`);
      }
    }
    // QA41-22 rest: the CAs of tls-ca-cert-file, which the server verifies its clients' certificates (tls-auth-clients)
    // and its TLS peers (replication, the cluster bus) against: one out of its dates verifies none it issued.
    const config = facts.config ?? facts.files?.config;
    const caPath = config?.get('tls-ca-cert-file')?.value;
    for (const ca of facts.probe?.caCertificateFile ?? []) {
      const label = `the CA certificate ${ca.subject} in tls-ca-cert-file ${caPath ?? ''}`.trimEnd();
      const evidence = [`issuer: ${ca.issuer}`, `valid ${date(ca.validFrom)} to ${date(ca.validTo)}`, `SHA-256 fingerprint ${ca.fingerprint256}`];
      const days = Math.floor((ca.validTo - now) / DAY);
      const verifies = 'the server no longer verifies the client certificates and TLS peers it issued';
      if (ca.validTo <= now) findings.push({ message: `${label} expired on ${date(ca.validTo)}, ${ago(ca.validTo, now)}: ${verifies}`, source: ca.source, evidence });
      else if (ca.validTo - now < thresholds.certExpiryDays * DAY) findings.push({ message: `${label} expires on ${date(ca.validTo)}, in ${days} day${days === 1 ? '' : 's'} (threshold ${thresholds.certExpiryDays}): the server then refuses the client certificates and TLS peers it issued`, source: ca.source, severity: 'medium', evidence });
      if (ca.validFrom > now) findings.push({ message: `${label} is not valid before ${date(ca.validFrom)}: until then the server refuses the client certificates and TLS peers it issued`, source: ca.source, severity: 'medium', evidence });
    }
    if (findings.length > 0) return fail(findings);
    return pass(passes.join('; '), { source: seen[0]!.certificate.source });
  },
});
