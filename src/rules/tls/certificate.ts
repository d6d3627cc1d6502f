import type { CertificateFacts, Facts } from '../../facts/types.ts';
import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { formatSource } from '../../facts/types.ts';
import { unlessTls } from './common.ts';
import { portLabel } from './wire.ts';

const DAY = 86_400;
/** Below these a key is weak (NIST SP 800-57: 112-bit security). */
const MIN_BITS: Readonly<Record<string, number>> = { rsa: 2048, 'rsa-pss': 2048, dsa: 2048, ec: 256 };

interface Seen {
  readonly certificate: CertificateFacts;
  readonly where: string[];
}

/** Every certificate seen, once per fingerprint, with where: on the wire (per port) and in `tls-cert-file`. */
function certificates(facts: Facts): Seen[] {
  const byFingerprint = new Map<string, Seen>();
  const add = (certificate: CertificateFacts, where: string) => {
    const seen = byFingerprint.get(certificate.fingerprint256);
    if (seen) seen.where.push(where);
    else byFingerprint.set(certificate.fingerprint256, { certificate, where: [where] });
  };
  for (const port of facts.probe?.tls ?? []) if (port.certificate) add(port.certificate, portLabel(port));
  const file = facts.probe?.certificateFile;
  if (file) add(file, `tls-cert-file ${file.source.kind === 'file' ? file.source.path : formatSource(file.source)}`);
  return [...byFingerprint.values()];
}

function date(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

function keyText(c: CertificateFacts): string {
  const type = c.keyType === 'ec' ? `EC${c.curve ? ` ${c.curve}` : ''}` : c.keyType.toUpperCase();
  return c.keyBits === undefined ? type : `${type} ${c.keyBits}-bit`;
}

/** What the wire said about trust, for the message: not a failure by itself (see the rule's docs). */
function trustNotes(c: CertificateFacts): string[] {
  const notes: string[] = [];
  if (c.selfSigned) notes.push('self-signed');
  if (c.chain) {
    const against = c.chain.against === 'cacert' ? 'the --cacert CA' : 'the system roots (no --cacert given)';
    notes.push(c.chain.trusted ? `chained to ${against}` : `not chained to ${against}${c.chain.error ? ` (${c.chain.error})` : ''}`);
  }
  if (c.hostname) notes.push(c.hostname.matches ? `names '${c.hostname.name}'` : `does not name '${c.hostname.name}'`);
  return notes;
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
    for (const { certificate: c, where } of seen) {
      const label = `the certificate of ${where.join(' and ')} (${c.subject})`;
      const evidence = [`issuer: ${c.issuer}`, `valid ${date(c.validFrom)} to ${date(c.validTo)}`, `SHA-256 fingerprint ${c.fingerprint256}`, ...trustNotes(c)];
      const before = findings.length;
      const days = Math.floor((c.validTo - now) / DAY);
      // Expired or not yet valid: the reason a verifying client refuses it (the verification error says no more).
      const outOfDate = c.validTo <= now || c.validFrom > now;
      if (c.validTo <= now) {
        findings.push({ message: `${label} expired on ${date(c.validTo)}, ${-days} day${days === -1 ? '' : 's'} ago: clients that verify it refuse to connect`, source: c.source, evidence });
      } else if (c.validTo - now < thresholds.certExpiryDays * DAY) {
        findings.push({ message: `${label} expires on ${date(c.validTo)}, in ${days} day${days === 1 ? '' : 's'} (threshold ${thresholds.certExpiryDays})`, source: c.source, severity: 'medium', evidence });
      }
      if (c.validFrom > now) {
        findings.push({ message: `${label} is not valid before ${date(c.validFrom)}`, source: c.source, severity: 'medium', evidence });
      }
      const min = MIN_BITS[c.keyType];
      if (min !== undefined && c.keyBits !== undefined && c.keyBits < min) {
        findings.push({ message: `${label} has a ${keyText(c)} key: below ${min} bits it can be factored or forged`, source: c.source, evidence });
      }
      if (unverified && c.fingerprint256 === targetCertificate) {
        // An expired (or not yet valid) certificate says why it does not verify: the error joins that finding's
        // evidence. Any other reason (another name, an untrusted issuer) is a finding of its own, first: a key
        // that is short or a date that is near does not say that clients already refuse it.
        const first = findings[before];
        if (first && outOfDate) findings[before] = { ...first, evidence: [...(first.evidence ?? []), `did not verify: ${unverified}; this audit connected without verifying it${withheld}`] };
        else findings.splice(before, 0, { message: `${label} ${unverifiedText}`, source: c.source, evidence });
      }
      if (findings.length === before) {
        passes.push(`${label} is valid until ${date(c.validTo)} (${days} days) with a ${keyText(c)} key${trustNotes(c).length > 0 ? `; ${trustNotes(c).join(', ')}` : ''}`);
      }
    }
    if (findings.length > 0) return fail(findings);
    return pass(passes.join('; '), { source: seen[0]!.certificate.source });
  },
});
