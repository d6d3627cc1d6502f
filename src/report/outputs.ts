import { resolve } from 'node:path';
import { isStandardOutput, sharedOutputPath } from '../util/write-file.ts';
import { clipped } from '../util/shown.ts';

/** Where each report goes: at most one to standard output, the others to files. */
export interface OutputPlan {
  readonly stdout?: string;
  readonly files: readonly { readonly format: string; readonly path: string }[];
}

/**
 * Reads `--format` (a comma list, or repeated) and `--output` (repeated: `FORMAT=FILE`, or a plain `FILE`
 * for the one `--format` report). A format named in `--format` without a file goes to standard output;
 * `FORMAT=FILE` alone adds a file and leaves standard output to `--format` (text by default).
 *
 * @returns the plan, or a one-line usage error.
 */
export function planOutputs(formats: readonly string[] | undefined, outputs: readonly string[], known: readonly string[]): OutputPlan | string {
  const named = (formats ?? []).flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean);
  for (const f of named) if (!known.includes(f)) return `unknown format '${clipped(f)}' (choose from ${known.join(', ')})`;
  const files: { format: string; path: string }[] = [];
  const plain: string[] = [];
  for (const output of outputs) {
    const eq = output.indexOf('=');
    const format = eq > 0 ? output.slice(0, eq) : '';
    if (known.includes(format)) {
      const path = output.slice(eq + 1);
      if (path === '') return `--output ${clipped(format)}= needs a file name`;
      files.push({ format, path: stdoutDash(path) });
    } else if (eq > 0 && /^[A-Za-z][A-Za-z0-9_-]*$/.test(format)) {
      // 'JSON=r.json' and 'sarif2=r.sarif' were taken as file names, as '=r.json' was: each a typo of FORMAT=FILE.
      return `unknown format '${clipped(format)}' in --output ${clipped(output)} (choose from ${known.join(', ')})`;
    } else if (eq === 0) {
      return `--output ${clipped(output)} names no format before '=': write FORMAT=FILE (e.g. json${clipped(output)}), or ./${clipped(output)} for a file of that name`;
    } else if (known.includes(output)) {
      // 'json' alone, the slip for json=FILE or --format json, wrote the text report to a file named json (QA42-20).
      return `--output ${output} names a format, not a file: write ${output}=FILE (or ./${output} for a file of that name)`;
    } else if (output === '') {
      // An unset shell variable (`-o "$OUT"`): said so, not 'its directory does not exist'.
      return '--output needs a file name (or FORMAT=FILE)';
    } else plain.push(stdoutDash(output));
  }
  const unique = [...new Set(named)];
  const toFile = new Set(files.map((f) => f.format));
  const rest = unique.filter((f) => !toFile.has(f));
  if (plain.length > 1) return `--output ${plain[1]}: give several outputs as FORMAT=FILE (e.g. --output sarif=redfort.sarif)`;
  if (plain.length === 1) {
    const format = rest.length === 0 && unique.length === 0 ? 'text' : rest[0];
    // `-o report.json` alone wrote the text report into report.json (no --format: text): a JSON reader failed later.
    const named = unique.length === 0 ? formatOfName(plain[0]!, known) : undefined;
    if (named !== undefined) {
      return `--output ${plain[0]}: without --format this file would get the text report: write --output ${named}=${plain[0]} (or add --format ${named}), or add --format text to keep text`;
    }
    if (rest.length > 1 || format === undefined) return `--output ${plain[0]}: name the format of each file as FORMAT=FILE when there are several`;
    const all = [...files, { format, path: plain[0]! }];
    return sameFile(all) ?? { files: all };
  }
  if (rest.length > 1) return `only one format can go to standard output (${rest.join(', ')}): write the others with --output FORMAT=FILE`;
  // The default text report yields standard output to a file output that names it (`-o sarif=-`): both there made a
  // SARIF document followed by text, and `> file` had the text overwrite the SARIF appended before it.
  const [toStdout, second] = files.filter((f) => isStandardOutput(f.path));
  // `-o json=- -o sarif=-`: the same two documents on standard output as `--format json -o sarif=-` below.
  if (toStdout && second) return `only one report can go to standard output (--output ${shownOutput(toStdout)} and --output ${shownOutput(second)}): write one of them to a file`;
  // `--format json -o sarif=-`: two documents, one after the other, where a reader expects one.
  if (rest[0] !== undefined && toStdout) return `only one report can go to standard output (--format ${rest[0]} and --output ${shownOutput(toStdout)}): write one of them to a file`;
  const stdout = rest[0] ?? (unique.length === 0 && !toStdout ? 'text' : undefined);
  return sameFile(files) ?? { ...(stdout !== undefined ? { stdout } : {}), files };
}

/** An output as the user wrote it: `-` for standard output. */
function shownOutput(file: { readonly format: string; readonly path: string }): string {
  return `${file.format}=${file.path === '/dev/stdout' ? '-' : file.path}`;
}

/** `-` is standard output, as `--targets -` is standard input: `-o -` wrote a file named '-'. */
function stdoutDash(path: string): string {
  return path === '-' ? '/dev/stdout' : path;
}

/** The extensions that name a report format other than text. */
const EXTENSIONS: Readonly<Record<string, string>> = { json: 'json', jsonl: 'jsonl', ndjson: 'jsonl', sarif: 'sarif', xml: 'junit', html: 'html', htm: 'html', md: 'markdown' };

/** The format a file name's extension names (`r.sarif`: sarif), when it is one of `known` and not text. */
function formatOfName(path: string, known: readonly string[]): string | undefined {
  const match = /\.([A-Za-z]+)$/.exec(path);
  const format = match ? EXTENSIONS[match[1]!.toLowerCase()] : undefined;
  return format !== undefined && known.includes(format) ? format : undefined;
}

/** Two outputs that name one file: the second report would replace the first without a word. */
function sameFile(files: readonly { readonly format: string; readonly path: string }[]): string | undefined {
  const seen = new Map<string, { format: string; path: string }>();
  for (const file of files) {
    if (sharedOutputPath(file.path)) continue;
    const key = resolve(file.path);
    const first = seen.get(key);
    if (first) return `--output ${first.format}=${first.path} and --output ${file.format}=${file.path} name the same file: the second report would replace the first`;
    seen.set(key, file);
  }
  return undefined;
}
