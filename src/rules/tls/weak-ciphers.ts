import type { ConfigMap, Facts } from '../../facts/types.ts';
import type { Finding, Verdict } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { combineVerdicts, configMissing } from '../combine.ts';
import { unlessTls } from './common.ts';
import { portLabel, reachedPorts, suiteWeakness, unreachedNotes } from './wire.ts';
import { TLS_CIPHERS } from '../../profile/index.ts';

/** Suite names or aliases that carry no, broken or export-grade protection (OpenSSL naming). */
const WEAK_NAMES: readonly [RegExp, string][] = [
  [/NULL/i, 'no encryption or no authentication'],
  [/^(ADH|AECDH)/i, 'anonymous key exchange'],
  [/EXP/i, 'export-grade'],
  [/RC4/i, 'RC4'],
  [/(^|-)DES(-|$)|DES-CBC3|3DES/i, 'DES/3DES (Sweet32)'],
  [/MD5/i, 'MD5 MAC'],
  [/RC2|IDEA/i, 'obsolete block cipher'],
  [/^LOW$/i, 'low-strength group'],
  [/@SECLEVEL=0/i, 'security level 0, which re-enables weak suites'],
];

/** The elements of an OpenSSL cipher string that add suites (`!x`, `-x` and `+x` remove or reorder). */
function addedElements(list: string): string[] {
  return list.split(/[:,\s]+/).filter((e) => e !== '' && !/^[!+-]/.test(e));
}

/** What the elements that add suites name: weak names or aliases, and CBC suites with a SHA-1 MAC. */
interface Named {
  /** `ELEMENT (why)`, once each. */
  readonly weak: readonly string[];
  /** Suites with a SHA-1 MAC, once each (not also in `weak`). */
  readonly cbc: readonly string[];
}

/**
 * One pass over the distinct elements, a fixed set of patterns each: linear in the length of the value. A hostile
 * tls-ciphers can hold hundreds of thousands of elements (Redis takes it with CONFIG SET), and judging them must not
 * stall the audit or the exporter (comparing every element with every weak one took 21 s on 480 KB).
 */
function namedElements(list: string): Named {
  const removesAnonymous = /(^|[:,\s])[!-](aNULL|ADH|kDHE?)\b/i.test(list);
  const weak: string[] = [];
  const cbc: string[] = [];
  for (const element of new Set(addedElements(list))) {
    // ALL excludes eNULL but keeps the anonymous suites unless they are removed.
    if (/^(ALL|COMPLEMENTOFALL)$/i.test(element) && !removesAnonymous) {
      weak.push(`${element} (includes anonymous suites)`);
      continue;
    }
    const match = WEAK_NAMES.find(([pattern]) => pattern.test(element));
    if (match) weak.push(`${element} (${match[1]})`);
    else if (suiteWeakness(element)?.severity === 'low') cbc.push(element);
  }
  return { weak, cbc };
}

/** How many names a message or its evidence shows, and how much of the value it quotes. */
const SHOWN_NAMES = 10;
const SHOWN_CHARS = 200;

/** The value as a message quotes it: whole when short, else its start and its length. */
function quoted(value: string): string {
  return value.length <= SHOWN_CHARS ? value : `${value.slice(0, SHOWN_CHARS)}… (${value.length} characters)`;
}

/** The first names, and how many more there are. */
function shown(names: readonly string[]): string[] {
  return names.length <= SHOWN_NAMES ? [...names] : [...names.slice(0, SHOWN_NAMES), `and ${names.length - SHOWN_NAMES} more`];
}

function fromConfig(config: ConfigMap): Verdict {
  const notTls = unlessTls(config);
  if (notTls) return notTls;
  const ciphers = config.get('tls-ciphers');
  const value = ciphers?.value.trim() ?? '';
  if (value === '') {
    // tls-ciphers sets the TLS 1.2 (and older) suites only: with those protocols off, the default list is never used.
    const protocols = config.get('tls-protocols');
    const offered = (protocols?.value.trim() ?? '').split(/\s+/).filter(Boolean);
    if (offered.length > 0 && offered.every((p) => /^TLSv1\.3$/i.test(p))) {
      return pass(`tls-ciphers is unset, and tls-protocols is '${protocols!.value.trim()}': TLS 1.2 is off, so its suites are never offered`, { source: protocols?.source });
    }
    // Redis then sets no list: the suites are the defaults of the OpenSSL it runs with and of that host's openssl.cnf,
    // which the settings do not show. OpenSSL 3.0.x's DEFAULT (Debian 12) offers CBC suites with a SHA-1 MAC
    // (ECDHE-RSA-AES128-SHA, AES128-SHA), which the probe reports; a system crypto policy may remove them.
    return skip("tls-ciphers is unset: the TLS 1.2 suites are the OpenSSL defaults of the host it runs on, unknown from its settings (OpenSSL 3.0's DEFAULT offers CBC suites with a SHA-1 MAC such as ECDHE-RSA-AES128-SHA); set tls-ciphers, or audit it live with the TLS probe to see what it offers");
  }
  const { weak, cbc } = namedElements(value);
  // Suites named one by one are judged as the wire judges them: a CBC suite with a SHA-1 MAC is the low finding
  // (`ECDHE-RSA-AES128-SHA` passed here while the probe of the same server reported it).
  if (weak.length > 0 || cbc.length > 0) {
    const weakShown = shown(weak);
    const cbcShown = shown(cbc);
    return fail([
      ...(weak.length > 0 ? [{ message: `tls-ciphers is '${quoted(value)}': it offers ${weakShown.join(', ')}`, source: ciphers?.source, evidence: weakShown }] : []),
      ...(cbc.length > 0 ? [{ message: `tls-ciphers '${quoted(value)}' names ${plural(cbc.length, 'CBC suite')} with a SHA-1 MAC: ${cbcShown.join(', ')}`, source: ciphers?.source, severity: 'low' as const, evidence: cbcShown, remediation: CBC_REMEDIATION }] : []),
    ]);
  }
  return pass(`tls-ciphers is '${quoted(value)}'`, { source: ciphers?.source });
}

const CBC_REMEDIATION = 'Prefer AEAD suites only (GCM, CHACHA20-POLY1305): drop the `-SHA` CBC suites from `tls-ciphers`.';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The TLS 1.2 suites each probed port accepted, judged one by one. */
function fromWire(facts: Facts): Verdict | undefined {
  const ports = reachedPorts(facts);
  const notes = unreachedNotes(facts);
  const findings: Finding[] = [];
  const passes: string[] = [];
  for (const port of ports) {
    const where = portLabel(port);
    const scan = port.ciphers;
    if (scan.status === 'untested') {
      notes.push(`${where}: ciphers not tested (${scan.detail})`);
      continue;
    }
    const partial = scan.status === 'partial' ? ` (${scan.detail})` : '';
    const judged = scan.tls12.map((name) => ({ name, weakness: suiteWeakness(name) }));
    const high = judged.filter((j) => j.weakness?.severity === 'high');
    const low = judged.filter((j) => j.weakness?.severity === 'low');
    if (high.length > 0) {
      const listed = high.map((j) => `${j.name} (${j.weakness!.reason})`);
      findings.push({ message: `${where} accepted ${plural(high.length, 'weak TLS 1.2 suite')}: ${listed.join(', ')}${partial}`, source: port.source, evidence: listed });
    }
    if (low.length > 0) {
      const names = low.map((j) => j.name);
      findings.push({
        message: `${where} accepted ${plural(low.length, 'CBC suite')} with a SHA-1 MAC: ${names.join(', ')}`,
        source: port.source,
        severity: 'low',
        evidence: names,
        remediation: CBC_REMEDIATION,
      });
    }
    if (high.length === 0 && low.length === 0) {
      const untestable = scan.notTestable.length > 0 ? `; ${scan.notTestable.join(', ')} could not be offered by this client` : '';
      const tls13 = scan.tls13.length > 0 ? ` and ${plural(scan.tls13.length, 'TLS 1.3 suite')}` : '';
      passes.push(`${where} accepted ${plural(scan.tls12.length, 'TLS 1.2 suite')}${tls13}, none weak${untestable}${partial}`);
    }
  }
  if (findings.length > 0) return fail(findings);
  if (passes.length > 0) return pass(`on the wire, ${passes.join('; ')}`, { source: ports[0]!.source, evidence: notes });
  return notes.length > 0 ? skip(notes.join('; ')) : undefined;
}

export default defineRule({
  id: 'tls.weak-ciphers',
  title: 'No weak cipher suites are offered',
  severity: 'high',
  section: 'TLS',
  checklist: 'TLS 2',
  sources: ['live', 'config', 'probe'],
  remediation: `Use Mozilla's intermediate list (the hardening profile's): \`tls-ciphers ${TLS_CIPHERS}\` (\`CONFIG SET tls-ciphers ${TLS_CIPHERS}\`).`,
  requires: [],
  check(facts) {
    return combineVerdicts([facts.config ? fromConfig(facts.config) : configMissing(facts), fromWire(facts)]);
  },
});
