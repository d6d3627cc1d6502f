/**
 * The secret a password or token file holds: its first line, without the line ending (`\n` or `\r\n`); the rest
 * of the file is not read as the secret. The inventory's `passwordFile` and the exporter's `passwordFile` and
 * `bearerTokenFile` follow this one rule.
 *
 * A control character (a NUL: `/proc/self/environ`, given by mistake) is in no password or token anyone types:
 * such a file is refused, and so never sent to a server or compared with a request's header; so is a PEM file (a
 * key or certificate). A leading byte order mark is dropped.
 */
export function secretOfFile(text: string): { ok: true; value: string } | { ok: false; reason: string } {
  // A byte order mark (an editor's, saving "UTF-8 with BOM") is no part of what was typed: sent, it made AUTH fail.
  const value = text.split(/\r?\n/, 1)[0]!.replace(/^\uFEFF/, '');
  if (value === '') return { ok: false, reason: 'is empty' };
  // `passwordFile: /etc/redis/tls/client.key` (the TLS key named in the wrong field): its armour line was sent as the
  // password, and the server said only WRONGPASS. No password starts so.
  if (value.startsWith('-----BEGIN ')) return { ok: false, reason: 'is a PEM file (a key or a certificate), not a password file' };
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(value)) return { ok: false, reason: 'holds a control character on its first line: not a password file' };
  return { ok: true, value };
}
