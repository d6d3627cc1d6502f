import type { ConfigMap, Facts } from '../../facts/types.ts';
import type { Finding, Verdict } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { combineVerdicts, configMissing } from '../combine.ts';
import { tls13Only, unlessTls } from './common.ts';
import { portLabel, reachedPorts, suiteWeakness, unreachedNotes } from './wire.ts';
import { TLS_CIPHERS } from '../../profile/index.ts';
import { onSentinel } from '../util.ts';
import { clipped } from '../../util/shown.ts';

const SENTINEL = `Use Mozilla's intermediate list (the hardening profile's): \`tls-ciphers ${TLS_CIPHERS}\` in sentinel.conf and restart the sentinel (it has no CONFIG SET, and SENTINEL CONFIG SET changes no TLS setting).`;

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

/** OpenSSL's separators between the elements of a cipher string. */
const SEPARATORS = /[:;,\s]+/;

/** A suite's own name (`ECDHE-RSA-AES128-SHA`), not an alias (`SHA1`, `aNULL`, `ECDHE+AESGCM`): aliases have no `-`. */
function isSuiteName(element: string): boolean {
  return element.includes('-') && !element.includes('+') && !element.startsWith('@');
}

/** Aliases of anonymous key exchange this rule reads (the others are left to OpenSSL: they may remove anything). */
const ANONYMOUS_REMOVALS = ['aNULL', 'ADH', 'kDH', 'kDHE'] as const;

/** An alias this rule does not read (`SHA1`, `aRSA`, `ECDHE+SHA1`): removing it may remove any suite. */
function isOtherAlias(name: string): boolean {
  return name !== '' && !name.startsWith('@') && !isSuiteName(name) && !(ANONYMOUS_REMOVALS as readonly string[]).includes(name);
}

/** What removing an anonymous alias does to a suite named in the list. */
function anonymousEffect(removal: (typeof ANONYMOUS_REMOVALS)[number], suite: string): 'removes' | 'may' | 'none' {
  if (removal === 'aNULL') return /^(ADH|AECDH)-/.test(suite) ? 'removes' : 'none';
  if (removal === 'ADH') return /^ADH-/.test(suite) ? 'removes' : 'none';
  return /^(ADH|DHE|EDH)-/.test(suite) ? 'may' : 'none';
}

/** What the elements that add suites name: weak names or aliases, and CBC suites with a SHA-1 MAC. */
interface Named {
  /** `ELEMENT (why)`, once each: named, and not removed again. */
  readonly weak: readonly string[];
  /** Suites with a SHA-1 MAC, once each (not also in `weak`). */
  readonly cbc: readonly string[];
  /** Weak or CBC elements that a removal may take out again: not known to be offered. */
  readonly unsure: readonly string[];
  /** The removals that make them unsure, once each (`!SHA1`). */
  readonly removals: readonly string[];
  /**
   * Aliases that add suites the host's OpenSSL chooses (`HIGH`, `DEFAULT`, `ECDHE+AES`), once each, unless they can add
   * AEAD suites only (`ECDHE+AESGCM`) or the list removes every SHA-1 suite (`!SHA1`): the CBC suites with a SHA-1 MAC
   * they leave are unknown from the settings (OpenSSL 3.0's HIGH holds ECDHE-RSA-AES128-SHA).
   */
  readonly aliases: readonly string[];
}

/** Components of an alias that select AEAD suites only: an alias joined by `+` with one of them adds no CBC suite. */
const AEAD_ONLY = new Set(['AESGCM', 'AESCCM', 'AESCCM8', 'CHACHA20', 'ARIAGCM']);

/** Whether an element adds suites that OpenSSL chooses and that may include CBC suites with a SHA-1 MAC. */
function addsByAlias(element: string): boolean {
  if (element.startsWith('@') || isSuiteName(element)) return false;
  return !element.split('+').some((component) => AEAD_ONLY.has(component));
}

/**
 * One pass over the elements, a fixed set of look-ups each: linear in the length of the value. A hostile tls-ciphers
 * can hold hundreds of thousands of elements (Redis takes it with CONFIG SET), and judging them must not stall the
 * audit or the exporter (comparing every element with every weak one took 21 s on 480 KB).
 *
 * Removals, as OpenSSL applies them: `!x` takes suites out for good, `-x` only those added before it. An exact suite
 * name removes that suite; the anonymous aliases are read as above; any other alias (`SHA1`, `aRSA`, `kRSA`,
 * `ECDHE+SHA1`, ...) may remove what the list named, depending on how the OpenSSL the server runs with expands it, so
 * what it named is then unsure, not offered ('ECDHE-RSA-AES128-SHA:!SHA1' offers no SHA-1 suite).
 */
function namedElements(list: string): Named {
  const removesAnonymous = /(^|[:;,\s])[!-](aNULL|ADH|kDHE?)\b/i.test(list);
  const lastAdded = new Map<string, number>();
  /** Each distinct removal: `!` anywhere, and the position of its last `-`. */
  const removals = new Map<string, { bang: boolean; lastDash: number }>();
  /** Removals by other aliases: any `!`, and the last `-`. */
  let otherBang = false;
  let otherLastDash = -1;
  list
    .split(SEPARATORS)
    .filter((e) => e !== '')
    .forEach((part, index) => {
      const sign = part[0];
      if (sign === '!' || sign === '-') {
        const name = part.slice(1);
        const seen = removals.get(name) ?? { bang: false, lastDash: -1 };
        removals.set(name, sign === '!' ? { ...seen, bang: true } : { ...seen, lastDash: index });
        if (isOtherAlias(name)) {
          if (sign === '!') otherBang = true;
          else otherLastDash = index;
        }
      } else if (sign !== '+') {
        lastAdded.set(part, index);
      }
    });
  const applies = (name: string, added: number): boolean => {
    const r = removals.get(name);
    return r !== undefined && (r.bang || r.lastDash > added);
  };
  const weak: string[] = [];
  const cbc: string[] = [];
  const unsure: string[] = [];
  let firstUnsure = Infinity;
  const anonymousBy = new Set<string>();
  for (const [element, added] of lastAdded) {
    // ALL excludes eNULL but keeps the anonymous suites unless they are removed; removals do not undo @SECLEVEL=0.
    if (/^(ALL|COMPLEMENTOFALL)$/i.test(element)) {
      if (!removesAnonymous) weak.push(`${element} (includes anonymous suites)`);
      continue;
    }
    const match = WEAK_NAMES.find(([pattern]) => pattern.test(element));
    const isCbc = !match && suiteWeakness(element)?.severity === 'low';
    if (!match && !isCbc) continue;
    let effect: 'removes' | 'may' | 'none' = 'none';
    if (!element.startsWith('@')) {
      const suite = isSuiteName(element);
      if (suite && applies(element, added)) continue;
      for (const anonymous of ANONYMOUS_REMOVALS) {
        if (!applies(anonymous, added)) continue;
        const e = suite ? anonymousEffect(anonymous, element) : 'may';
        if (e === 'removes') effect = 'removes';
        else if (e === 'may' && effect === 'none') {
          effect = 'may';
          anonymousBy.add(anonymous);
        }
      }
      if (effect === 'removes') continue;
      if (otherBang || otherLastDash > added) effect = 'may';
    }
    if (effect === 'may') {
      unsure.push(element);
      firstUnsure = Math.min(firstUnsure, added);
    } else if (match) weak.push(`${element} (${match[1]})`);
    else cbc.push(element);
  }
  // The removals that may have taken something out, in the order they were written.
  const by: string[] = [];
  if (unsure.length > 0) {
    for (const [name, { bang, lastDash }] of removals) {
      if (!isOtherAlias(name) && !anonymousBy.has(name)) continue;
      if (bang) by.push(`!${name}`);
      else if (lastDash > firstUnsure) by.push(`-${name}`);
    }
  }
  const noSha1 = ['SHA1', 'SHA'].some((name) => removals.get(name)?.bang === true);
  const aliases = noSha1 ? [] : [...lastAdded.keys()].filter(addsByAlias);
  return { weak, cbc, unsure, removals: by, aliases };
}

/** How many names a message or its evidence shows. */
const SHOWN_NAMES = 10;

/** The first names, and how many more there are. */
function shown(names: readonly string[]): string[] {
  return names.length <= SHOWN_NAMES ? [...names] : [...names.slice(0, SHOWN_NAMES), `and ${names.length - SHOWN_NAMES} more`];
}

function fromConfig(config: ConfigMap): Verdict {
  const notTls = unlessTls(config);
  if (notTls) return notTls;
  const ciphers = config.get('tls-ciphers');
  const value = ciphers?.value.trim() ?? '';
  // tls-ciphers sets the TLS 1.2 (and older) suites only: with those protocols off, its list is never used.
  const protocols = config.get('tls-protocols');
  if (value === '') {
    if (tls13Only(config)) {
      return pass(`tls-ciphers is unset, and tls-protocols is '${clipped(protocols!.value.trim())}': TLS 1.2 is off, so its suites are never offered`, { source: protocols?.source });
    }
    // Redis then sets no list: the suites are the defaults of the OpenSSL it runs with and of that host's openssl.cnf,
    // which the settings do not show. OpenSSL 3.0.x's DEFAULT (Debian 12) offers CBC suites with a SHA-1 MAC
    // (ECDHE-RSA-AES128-SHA, AES128-SHA), which the probe reports; a system crypto policy may remove them.
    return skip("tls-ciphers is unset: the TLS 1.2 suites are the OpenSSL defaults of the host it runs on, unknown from its settings (OpenSSL 3.0's DEFAULT offers CBC suites with a SHA-1 MAC such as ECDHE-RSA-AES128-SHA); set tls-ciphers, or audit it live with the TLS probe to see what it offers");
  }
  if (tls13Only(config)) {
    return pass(`tls-ciphers is '${clipped(value)}', but tls-protocols is '${clipped(protocols!.value.trim())}': TLS 1.2 is off, so none of its suites is offered`, { source: protocols?.source });
  }
  const { weak, cbc, unsure, removals, aliases } = namedElements(value);
  // Suites named one by one are judged as the wire judges them: a CBC suite with a SHA-1 MAC is the low finding
  // (`ECDHE-RSA-AES128-SHA` passed here while the probe of the same server reported it).
  if (weak.length > 0 || cbc.length > 0) {
    const weakShown = shown(weak);
    const cbcShown = shown(cbc);
    return fail([
      ...(weak.length > 0 ? [{ message: `tls-ciphers is '${clipped(value)}': it offers ${weakShown.join(', ')}`, source: ciphers?.source, evidence: weakShown }] : []),
      ...(cbc.length > 0 ? [{ message: `tls-ciphers '${clipped(value)}' names ${plural(cbc.length, 'CBC suite')} with a SHA-1 MAC: ${cbcShown.join(', ')}`, source: ciphers?.source, severity: 'low' as const, evidence: cbcShown, remediation: CBC_REMEDIATION }] : []),
    ]);
  }
  // 'ECDHE-RSA-AES128-SHA:!SHA1' offers no SHA-1 suite: which suites an alias removes is OpenSSL's to say (and the
  // host's version), so the settings do not claim them; the probe sees what the server offers.
  if (unsure.length > 0) {
    return skip(`tls-ciphers '${clipped(value)}' names ${shown(unsure).join(', ')}, but ${shown(removals).join(', ')} may remove ${unsure.length === 1 ? 'it' : 'them'} again: which suites that leaves depends on the OpenSSL the server runs with, unknown from its settings; audit it live with the TLS probe to see what it offers`);
  }
  // 'HIGH:!aNULL:!MD5' names no weak class, but which suites HIGH adds is the host OpenSSL's to say, as for an unset list.
  if (aliases.length > 0) {
    return skip(`tls-ciphers '${clipped(value)}' names no weak suite, but adds suites by alias (${shown(aliases).join(', ')}): which CBC suites with a SHA-1 MAC that leaves depends on the OpenSSL the server runs with (OpenSSL 3.0's HIGH and DEFAULT hold ECDHE-RSA-AES128-SHA), unknown from its settings; name the suites (as Mozilla's list does), or audit it live with the TLS probe to see what it offers`);
  }
  return pass(`tls-ciphers is '${clipped(value)}'`, { source: ciphers?.source });
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
    return onSentinel(combineVerdicts([facts.config ? fromConfig(facts.config) : configMissing(facts), fromWire(facts)]), facts.server, SENTINEL);
  },
});
