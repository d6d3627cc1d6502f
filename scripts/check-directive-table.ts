// Compares one column of src/redis/directives.ts with a release's src/config.c (its `static_configs[]` table):
// names the source has and the column lacks, names the column has and the source lacks, and
// compiled defaults that differ. For adding or checking a release's column; it prints, it changes nothing.
//
//   node --import tsx scripts/check-directive-table.ts /path/to/redis-8.6.3/src/config.c r8.6
//
// Take config.c from the release's tarball (a tag's `git archive`: `git get-tar-commit-id` names the commit) and check
// `src/version.h` beside it; name both in the comment above DIRECTIVES.
import { readFileSync } from 'node:fs';
import { DIRECTIVES, defaultFor, existsIn, lookupFileDirective } from '../src/redis/directives.ts';
import type { VersionKey } from '../src/redis/directives.ts';

interface SourceConfig {
  readonly type: string;
  readonly name: string;
  readonly alias: string | undefined;
  readonly args: readonly string[];
  /** Inside `#ifdef LOG_REQ_RES`: only a build for the test suite's request/response log has it. */
  readonly testBuildOnly: boolean;
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      cur += c;
      if (c === '\\') cur += s[++i] ?? '';
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === '(' || c === '{') depth++;
    else if (c === ')' || c === '}') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur.trim());
  return out;
}

function sourceConfigs(text: string): SourceConfig[] {
  const start = text.indexOf('standardConfig static_configs[] = {');
  if (start < 0) throw new Error('no static_configs[] in this file');
  const body = text.slice(start, text.indexOf('{NULL', start)).replace(/\/\*[\s\S]*?\*\//g, '');
  const configs: SourceConfig[] = [];
  const conditions: string[] = [];
  let pos = 0;
  while (pos < body.length) {
    const nl = body.indexOf('\n', pos);
    const line = body.slice(pos, nl < 0 ? body.length : nl);
    const t = line.trim();
    if (t.startsWith('#if')) conditions.push(t);
    else if (t.startsWith('#endif')) conditions.pop();
    const m = /create(\w+)Config\(/.exec(line);
    if (m && !t.startsWith('//')) {
      let j = pos + line.indexOf(m[0]) + m[0].length;
      const open = j;
      let depth = 1;
      let quoted = false;
      for (; j < body.length && depth > 0; j++) {
        const c = body[j];
        if (quoted) {
          if (c === '\\') j++;
          else if (c === '"') quoted = false;
        } else if (c === '"') quoted = true;
        else if (c === '(') depth++;
        else if (c === ')') depth--;
      }
      const args = splitTopLevel(body.slice(open, j - 1));
      const unquote = (a: string | undefined) => (a === undefined || a === 'NULL' ? undefined : a.replace(/^"|"$/g, ''));
      configs.push({ type: m[1]!, name: unquote(args[0])!, alias: unquote(args[1]), args, testBuildOnly: conditions.some((c) => c.includes('LOG_REQ_RES')) });
      pos = j;
      continue;
    }
    pos = nl < 0 ? body.length : nl + 1;
  }
  return configs;
}

/** The default as the table writes it, where the source's is a plain literal (else the C text, marked `?`). */
function sourceDefault(c: SourceConfig, enums: ReadonlyMap<string, readonly (readonly [string, string])[]>): string | undefined {
  const at = c.type === 'Bool' ? 4 : c.type === 'String' || c.type === 'SDS' || c.type === 'Enum' ? 5 : c.type === 'Special' ? -1 : 6;
  if (at < 0) return undefined;
  const d = c.args[at] ?? '';
  if (c.type === 'Bool') return d === '1' ? 'yes' : d === '0' ? 'no' : `?${d}`;
  if (c.type === 'Enum') return enums.get(c.args[3] ?? '')?.find(([, v]) => v === d)?.[0] ?? `?${d}`;
  if (c.type === 'String' || c.type === 'SDS') return d === 'NULL' ? '' : /^".*"$/.test(d) ? d.slice(1, -1) : `?${d}`;
  const plain = d.replace(/(\d)(ll|LL)\b/g, '$1');
  return /^-?\d+$/.test(plain) ? plain : /^[\d\s*()+<-]+$/.test(plain) ? String(Function(`return (${plain})`)()) : `?${d}`;
}

const [file, key] = process.argv.slice(2) as [string | undefined, VersionKey | undefined];
if (!file || !key) {
  console.error('usage: node --import tsx scripts/check-directive-table.ts SRC/config.c COLUMN (r8.6, v9.1, ...)');
  process.exit(2);
}
const text = readFileSync(file, 'utf8');
const enums = new Map<string, [string, string][]>();
for (const m of text.matchAll(/configEnum\s+(\w+)\[\]\s*=\s*\{([\s\S]*?)\};/g)) {
  enums.set(m[1]!, [...m[2]!.matchAll(/\{\s*"([^"]+)"\s*,\s*([^}]+?)\s*\}/g)].map((x) => [x[1]!, x[2]!.trim()]));
}
const configs = sourceConfigs(text).filter((c) => !c.testBuildOnly);
const seen = new Set<string>();
for (const c of configs) {
  const spec = lookupFileDirective(c.name) ?? (c.alias === undefined ? undefined : lookupFileDirective(c.alias));
  if (!spec) {
    console.log(`missing from the table: ${c.name}${c.alias ? ` (alias ${c.alias})` : ''} ${c.type}`);
    continue;
  }
  seen.add(spec.name);
  if (!existsIn(spec, key)) console.log(`not in column ${key}: ${spec.name}`);
  const d = sourceDefault(c, enums);
  if (d !== undefined && spec.kind !== 'special' && d !== defaultFor(spec, key)) console.log(`default of ${spec.name}: table ${JSON.stringify(defaultFor(spec, key))}, source ${JSON.stringify(d)}`);
}
for (const spec of DIRECTIVES) if (existsIn(spec, key) && !seen.has(spec.name)) console.log(`in column ${key}, not in the source: ${spec.name}`);
console.log(`${configs.length} configs in the source, ${DIRECTIVES.filter((s) => existsIn(s, key)).length} in column ${key}`);
