import type { Severity } from '../rules/define.ts';

/**
 * Detectors of sensitive values stored in clear text. Pure: a detector sees one text (a value, or a part of one)
 * and says whether it holds that kind of data. They never return the match: callers only count.
 */

export type DetectorId =
  | 'private-key'
  | 'aws-access-key'
  | 'gcp-service-account'
  | 'azure-storage-key'
  | 'jwt'
  | 'secret-field'
  | 'card-number'
  | 'us-ssn'
  | 'iban'
  | 'email'
  | 'phone';

export interface Detector {
  readonly id: DetectorId;
  /** What the detector finds, for reports ("payment card numbers"). */
  readonly name: string;
  readonly severity: Severity;
  /** Whether the text holds this kind of value. Field-based detectors (`secret-field`) always say no here. */
  readonly test: (text: string) => boolean;
}

/** Texts longer than this are cut before the regular expressions run (the sampler reads at most 4 KiB anyway). */
export const MAX_TEXT = 8192;

// PEM private keys. `ENCRYPTED PRIVATE KEY` (PKCS#8 with a passphrase) is ciphertext, not a clear-text key.
const PEM = /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP )?PRIVATE KEY(?: BLOCK)?-----/;

const AWS = /(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9])/;

// A service-account key file: `"type": "service_account"` with its `private_key` or `private_key_id`.
const GCP_TYPE = /"type"\s*:\s*"service_account"/;
const GCP_KEY = /"private_key(?:_id)?"\s*:/;

const AZURE = /AccountName=[^;\s]{3,};\s*AccountKey=[A-Za-z0-9+/]{40,}={0,2}/i;
const AZURE_SAS = /SharedAccessSignature=sv=\d{4}-\d{2}-\d{2}&[^;\s]*sig=[A-Za-z0-9%+/=]{20,}/i;

const JWT = /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,})\.(eyJ[A-Za-z0-9_-]{4,}|[A-Za-z0-9_-]{4,})\.([A-Za-z0-9_-]{10,})(?![A-Za-z0-9_-])/g;

function base64UrlDecode(text: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
}

/** Three base64url segments whose first decodes to a JSON object with `alg`. */
export function isJwt(text: string): boolean {
  for (const match of text.matchAll(JWT)) {
    const header = base64UrlDecode(match[1] as string);
    if (header === undefined) continue;
    try {
      const parsed: unknown = JSON.parse(header);
      if (parsed !== null && typeof parsed === 'object' && typeof (parsed as Record<string, unknown>).alg === 'string') return true;
    } catch {
      // not JSON: not a JWT
    }
  }
  return false;
}

export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

// 13-19 digits, optionally in groups separated by one space or dash, not inside a longer number.
const CARD = /(?<![\d.,+-])\d(?:[ -]?\d){12,18}(?![\d.,]*\d)/g;

/** Issuer prefixes and lengths of the card brands, so that Luhn-valid timestamps and ids are not cards. */
function cardIssuer(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if (digits[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) return n >= 16 && n <= 19; // Discover
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if (p2 === 36 || p2 === 38 || p2 === 39 || (p3 >= 300 && p3 <= 305) || p3 === 309) return n >= 14 && n <= 19; // Diners
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  if (['5018', '5020', '5038', '5893', '6304', '6759', '6761', '6762', '6763'].includes(digits.slice(0, 4))) return n >= 12 && n <= 19; // Maestro
  return false;
}

export function hasCardNumber(text: string): boolean {
  for (const match of text.matchAll(CARD)) {
    const raw = match[0];
    // Separators, when used, must be consistent (one kind): `4111 1111 1111 1111`, `4111-1111-…`.
    if (raw.includes(' ') && raw.includes('-')) continue;
    const digits = raw.replace(/[ -]/g, '');
    if (cardIssuer(digits) && luhn(digits)) return true;
  }
  return false;
}

const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24,
  DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29,
  RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22,
  VG: 24, XK: 20,
};

const IBAN = /(?<![A-Za-z0-9])([A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8})(?![A-Za-z0-9])/g;

export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/ /g, '');
  if (IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

export function hasIban(text: string): boolean {
  for (const match of text.matchAll(IBAN)) if (ibanValid(match[1] as string)) return true;
  return false;
}

const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/;

// E.164: a plus, a country code not starting with 0, 8 to 15 digits in all; optional single spaces or dashes.
const PHONE = /(?<![\w+])\+[1-9](?:[ -]?\d){7,14}(?![\d-])/;

// SSN with dashes (the form applications store); area 000, 666 and 900-999, group 00 and serial 0000 are never issued.
const SSN = /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/;

export const DETECTORS: readonly Detector[] = [
  { id: 'private-key', name: 'private keys (PEM)', severity: 'critical', test: (t) => PEM.test(t) },
  { id: 'aws-access-key', name: 'AWS access keys', severity: 'critical', test: (t) => AWS.test(t) },
  { id: 'gcp-service-account', name: 'GCP service-account keys', severity: 'critical', test: (t) => GCP_TYPE.test(t) && GCP_KEY.test(t) },
  { id: 'azure-storage-key', name: 'Azure storage connection strings', severity: 'critical', test: (t) => AZURE.test(t) || AZURE_SAS.test(t) },
  { id: 'jwt', name: 'JSON Web Tokens', severity: 'high', test: isJwt },
  { id: 'secret-field', name: 'passwords, secrets and tokens in named fields', severity: 'high', test: () => false },
  { id: 'card-number', name: 'payment card numbers', severity: 'high', test: hasCardNumber },
  { id: 'us-ssn', name: 'US social security numbers', severity: 'high', test: (t) => SSN.test(t) },
  { id: 'iban', name: 'IBANs', severity: 'medium', test: hasIban },
  { id: 'email', name: 'e-mail addresses', severity: 'medium', test: (t) => EMAIL.test(t) },
  { id: 'phone', name: 'phone numbers (E.164)', severity: 'medium', test: (t) => PHONE.test(t) },
];

export const DETECTOR_IDS: readonly DetectorId[] = DETECTORS.map((d) => d.id);

export function detector(id: DetectorId): Detector {
  return DETECTORS.find((d) => d.id === id) as Detector;
}

// --- hashed and encrypted values ---

const PASSWORD_HASH = [
  /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/, // bcrypt
  /^\$argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/, // argon2
  /^\$(?:scrypt|7)\$[^\s]{20,}$/, // scrypt
  /^\$(?:5|6)\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43,86}$/, // sha-crypt
  /^\$pbkdf2(?:-sha\d+)?\$\d+\$[^\s$]+\$[^\s$]+$/, // passlib pbkdf2
  /^pbkdf2_sha\d+\$\d+\$[^\s$]+\$[^\s$]+$/, // Django
  /^(?:sha256|sha512|sha1):\d+:[^\s:]+:[^\s:]+$/, // PBKDF2 in the `alg:iterations:salt:hash` layout
  /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128}|[0-9A-F]{64})$/, // MD5, SHA-1, SHA-256, SHA-512 digests
];

/** A password hash or a bare digest: stored hashed, not in clear text. */
export function isHashed(value: string): boolean {
  const v = value.trim();
  return PASSWORD_HASH.some((re) => re.test(v));
}

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

const ENVELOPES = [
  /^vault:v\d+:[A-Za-z0-9+/=]{16,}/, // HashiCorp Vault transit
  /^gAAAAA[A-Za-z0-9_-]{60,}={0,2}$/, // Fernet (version byte 0x80)
  /^(?:AYA|AgV4|AgR4)[A-Za-z0-9+/]{60,}={0,2}$/, // AWS Encryption SDK message, base64 (0x01 0x80 / 0x02 0x05 0x78 / 0x02 0x04 0x78)
  /^-----BEGIN (?:ENCRYPTED PRIVATE KEY|PGP MESSAGE|AGE ENCRYPTED FILE)-----/, // passphrase-protected key, OpenPGP, age
  /^(?:enc|ENC|encrypted):(?:v\d+:)?[A-Za-z0-9+/_=:-]{24,}$/, // common application envelopes (`ENC:…`)
  /^\{"ciphertext"|"ciphertext"\s*:\s*"[A-Za-z0-9+/=_-]{16,}"/, // JSON envelopes (KMS, Tink, JWE JSON)
  /^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}$/, // JWE compact (5 segments)
];

/**
 * Looks like ciphertext: a known envelope, or a long high-entropy base64 or hex string. Evidence, not proof:
 * random tokens and compressed data look the same.
 */
export function looksEncrypted(value: string, options: { minOpaque?: number } = {}): boolean {
  const v = value.trim();
  if (ENVELOPES.some((re) => re.test(v))) return true;
  const min = options.minOpaque ?? 40;
  if (/^[0-9a-fA-F]+$/.test(v)) return v.length >= Math.max(min, 48) && !isHashed(v) && entropy(v) >= 3.5;
  if (v.length >= min && (/^[A-Za-z0-9+/]+={0,2}$/.test(v) || /^[A-Za-z0-9_-]+={0,2}$/.test(v))) {
    // Random base64 of this length has about 5 bits per character; words and identifiers far less.
    return /[A-Z]/.test(v) && /[a-z]/.test(v) && /\d/.test(v) && entropy(v) >= 4.5;
  }
  return false;
}

// --- secret-bearing field names ---

/** Splits a field name into lowercase words: `apiKey`, `api_key`, `API-KEY`, `user.password` all give their words. */
export function fieldWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

const SECRET_WORDS = new Set(['password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'apikey', 'credential', 'credentials']);
const KEY_QUALIFIERS = new Set(['api', 'access', 'secret', 'private', 'signing', 'client', 'encryption', 'master']);

/** The field name says it holds a password, secret, token or API key (its last word does: `password_hash` does not). */
export function isSecretFieldName(name: string): boolean {
  if (name.length > 64) return false;
  const words = fieldWords(name);
  const last = words.at(-1);
  if (last === undefined) return false;
  if (SECRET_WORDS.has(last)) return true;
  // `api_key`, `accessKey`, `secret_key`, `private-key`: a key qualified as secret; `cache_key`, `primary_key` are not.
  if (last === 'key' && words.length >= 2 && KEY_QUALIFIERS.has(words.at(-2) as string)) return true;
  return false;
}

// Vendor tokens that announce themselves: GitHub, Slack, Stripe, GitLab, npm, OpenAI-style keys.
const TOKEN_PREFIX = /^(?:gh[pousr]_|github_pat_|xox[abposr]-|sk_(?:live|test)_|rk_live_|glpat-|npm_|sk-)[A-Za-z0-9_-]{16,}$/;

/**
 * A secret field's value in clear text: not empty, not a placeholder, not hashed, not ciphertext.
 * `true`, `null`, `***`, short values and numbers of up to 4 digits are flags or counters, not secrets.
 */
export function isPlaintextSecretValue(value: string): boolean {
  const v = value.trim();
  if (v.length < 6 || v.length > 4096) return false;
  if (/^(?:true|false|null|none|nil|undefined|redacted|\*+|x+|changeme\*?)$/i.test(v)) return false;
  if (/^[[{]/.test(v)) return false;
  if (isHashed(v)) return false;
  // A bare token is the secret itself; ciphertext of even a short secret carries a nonce and a tag (60+ base64 characters).
  if (TOKEN_PREFIX.test(v)) return true;
  return !looksEncrypted(v, { minOpaque: 64 });
}
