import { defineRule, fail, pass } from '../define.ts';
import { unlessTls } from './common.ts';

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

function weakElements(list: string): string[] {
  const removesAnonymous = /(^|[:,\s])[!-](aNULL|ADH|kDHE?)\b/i.test(list);
  const weak: string[] = [];
  for (const element of addedElements(list)) {
    // ALL excludes eNULL but keeps the anonymous suites unless they are removed.
    if (/^(ALL|COMPLEMENTOFALL)$/i.test(element) && !removesAnonymous) {
      weak.push(`${element} (includes anonymous suites)`);
      continue;
    }
    const match = WEAK_NAMES.find(([pattern]) => pattern.test(element));
    if (match) weak.push(`${element} (${match[1]})`);
  }
  return weak;
}

export default defineRule({
  id: 'tls.weak-ciphers',
  title: 'No weak cipher suites are offered',
  severity: 'high',
  section: 'TLS',
  checklist: 'TLS 2',
  sources: ['live', 'config', 'probe'],
  remediation: 'Use Mozilla\'s intermediate list: `tls-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305` (CONFIG SET tls-ciphers …).',
  requires: ['config'],
  check({ config }) {
    const notTls = unlessTls(config);
    if (notTls) return notTls;
    const ciphers = config.get('tls-ciphers');
    const value = ciphers?.value.trim() ?? '';
    if (value === '') return pass('tls-ciphers is unset: the OpenSSL default list has no NULL, export, RC4, DES or MD5 suites', { source: ciphers?.source });
    const weak = weakElements(value);
    if (weak.length > 0) {
      return fail({ message: `tls-ciphers is '${value}': it offers ${weak.join(', ')}`, source: ciphers?.source, evidence: weak });
    }
    return pass(`tls-ciphers is '${value}'`, { source: ciphers?.source });
  },
});
