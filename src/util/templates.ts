/**
 * Template placeholders (envsubst, docker-compose, Jinja, Helm, ERB, sed), and how a message names each: what the
 * config reader refuses a file for (src/gather/conf/tokenize.ts), and what a password that is one whole such
 * expression is ({@link wholeValueTemplate}). `wholeSecret`: such a placeholder in a secret is one only when it is the
 * whole value (`requirepass ${REDIS_PASSWORD}`, `masterauth @MASTER_PASS@`); within a longer value it is the
 * password's own characters (`Pa@SS@w0rd`, which a generated password holds now and then), and redis-server takes it
 * as text. `secretLine`: such a placeholder makes a secret's line a template only when the line matches it (a whole
 * `<%= … %>` tag: a lone `<%` is a password's characters).
 */
export const TEMPLATES: readonly { readonly pattern: RegExp; readonly kind: string; readonly wholeSecret?: RegExp; readonly secretLine?: RegExp }[] = [
  // In a secret's line only a closed tag is one (QA41-111): a generated password holds `{{`, `{%` or `{#` about once
  // in 100 (redis-server 7.0.15 starts with `requirepass "Zq7a{#b9x!Lm2"`), and the file was refused as a template.
  { pattern: /\{\{.*?(\}\}|$)/, kind: '{{ … }}', secretLine: /\{\{.*\}\}/ }, // Jinja, Go templates, Helm
  { pattern: /\{%.*?(%\}|$)/, kind: '{% … %}', secretLine: /\{%.*%\}/ }, // Jinja blocks
  { pattern: /\{#.*?(#\}|$)/, kind: '{# … #}', secretLine: /\{#.*#\}/ }, // Jinja comments
  // ERB (Chef, Puppet 3) and EPP (Puppet 4+): `port <%= @port %>`, `<%- if $bind { -%>`, an EPP header `<%- | … | -%>`.
  { pattern: /<%.*?(%>|$)/, kind: '<% … %>', secretLine: /<%.*%>/ },
  wholeOrPart(/\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?+=-][^}]*)?\}/, '${…}'), // envsubst, shell, docker-compose
  wholeOrPart(/@[A-Z_][A-Z0-9_]*@/, '@…@'), // sed / autoconf placeholders, upper case so `+@all` never matches
  // A whole word: sed or envsubst without braces (`sentinel monitor m $MASTER_HOST 6379 $QUORUM`), upper case as
  // environment variables are, so `logfile $HOME/redis.log` or a password `$ecret` never matches.
  wholeWord(/\$[A-Z_][A-Z0-9_]+/, '$…'),
  // A whole word in per cent signs (`slaveof %master-ip% %master-port%`, as in Kubernetes' old Redis example).
  wholeWord(/%[A-Za-z_][A-Za-z0-9_.-]*%/, '%…%'),
];

function wholeOrPart(pattern: RegExp, kind: string): { pattern: RegExp; kind: string; wholeSecret: RegExp } {
  return { pattern, kind, wholeSecret: new RegExp(`^(?:${pattern.source})$`) };
}

/**
 * A placeholder that is one only as a whole word of the line (between blanks or quotes, or at either end; after the `>`
 * of a `user` line's password).
 */
function wholeWord(pattern: RegExp, kind: string): { pattern: RegExp; kind: string; wholeSecret: RegExp } {
  return { pattern: new RegExp(`(?<![^\\s"'>])(?:${pattern.source})(?![^\\s"'])`), kind, wholeSecret: new RegExp(`^(?:${pattern.source})$`) };
}

/** Whole values of the closed-tag kinds: `{{ .Values.password }}`, `<%= @password %>`, the tag and nothing else. */
const WHOLE_TAG: Readonly<Record<string, RegExp>> = {
  '{{ … }}': /^\{\{[^{}]*\}\}$/,
  '{% … %}': /^\{%[^{}]*%\}$/,
  '<% … %>': /^<%[^<>]*%>$/,
};

/**
 * The kind (`${…}`) of a value that is one whole unrendered template expression (`${REDIS_PASSWORD}`,
 * `$REDIS_PASSWORD`, `{{ .Values.password }}`, `@REDIS_PASS@`, `%REDIS_PASS%`), else undefined. redis-server expands
 * no variables: a secret written so is those very characters (QA43-9: `requirepass ${REDIS_PASSWORD}` in a
 * docker-compose mount starts, and `AUTH ${REDIS_PASSWORD}` logs in). Only the whole value: a password that holds `@`
 * or `$` among other characters is not one.
 */
export function wholeValueTemplate(value: string): string | undefined {
  if (value.length > 256) return undefined;
  for (const { kind, wholeSecret } of TEMPLATES) {
    const whole = wholeSecret ?? WHOLE_TAG[kind];
    if (whole?.test(value)) return kind;
  }
  return undefined;
}
