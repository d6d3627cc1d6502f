/** Directives whose values are secrets: they go to `SecretMap`, never to `ConfigMap`. */
export const SECRET_DIRECTIVES: ReadonlySet<string> = new Set([
  'requirepass',
  'masterauth',
  'primaryauth',
  'tls-key-file-pass',
  'tls-client-key-file-pass',
  'sentinel-pass',
]);
