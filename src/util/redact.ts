/**
 * Replaces every occurrence of each non-empty secret (and of its URL-encoded form, which is how it
 * appears inside a target URL) with `***`.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const form of secretForms(secrets)) out = out.split(form).join('***');
  return out;
}

/** Each non-empty secret and its URL-encoded form, longest first, so a secret that contains another is replaced whole. */
function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
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
