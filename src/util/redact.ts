/**
 * Replaces every occurrence of each non-empty secret (and of its URL-encoded form, which is how it
 * appears inside a target URL) with `***`.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const form of secretForms(secrets)) out = out.split(form).join('***');
  return out;
}

/**
 * The shortest secret whose encodings are masked too: the hex of a shorter one (at most 14 digits) could be a run of
 * digits of a server's own words, a fingerprint or an id, and masking it there would mangle them for nothing.
 */
const ENCODED_MIN_LENGTH = 8;

/**
 * A secret as a server (or a log, a proxy) may reflect it encoded (QA41-56: a hostile server echoed the password
 * sent in AUTH as base64 and hex, and both reached every report): base64 with and without its padding, base64url,
 * hex in either case.
 */
function encodedForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const base64 = bytes.toString('base64');
  const hex = bytes.toString('hex');
  return [base64, base64.replace(/=+$/, ''), bytes.toString('base64url'), hex, hex.toUpperCase()];
}

/**
 * Each non-empty secret, its URL-encoded form and, for one of {@link ENCODED_MIN_LENGTH} characters or more, its
 * base64 and hex forms; longest first, so a secret that contains another is replaced whole.
 */
export function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    if (secret.length >= ENCODED_MIN_LENGTH) for (const form of encodedForms(secret)) forms.add(form);
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/** What ends a word for {@link redactWords}: space, quotes, brackets and the separators of URLs and lists. */
const WORD_END = /[\s"'`<>()[\]{},;:=@/\\?&#|*]/;

/**
 * As {@link redact}, but each occurrence takes the whole word it stands in with it: a short password masked where it
 * stood inside a word ('e***porter') told the reader what it was. The password is never shown either way.
 */
export function redactWords(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const form of secretForms(secrets)) {
    let masked = '';
    let from = 0;
    for (let at = out.indexOf(form); at !== -1; at = out.indexOf(form, from)) {
      let start = at;
      while (start > from && !WORD_END.test(out[start - 1]!)) start--;
      let end = at + form.length;
      while (end < out.length && !WORD_END.test(out[end]!)) end++;
      masked += `${out.slice(from, start)}***`;
      from = end;
    }
    out = masked + out.slice(from);
  }
  return out;
}
