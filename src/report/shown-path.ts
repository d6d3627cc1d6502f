import { isAbsolute, relative, sep } from 'node:path';
import { formatSource } from '../facts/types.ts';
import type { Source } from '../facts/types.ts';
import type { ReportContext } from './types.ts';

/** Whether `path` is `dir` or lies below it. */
export function isBelow(path: string, dir: string): boolean {
  const base = dir.endsWith(sep) ? dir : `${dir}${sep}`;
  return path === dir || path.startsWith(base);
}

/**
 * A file as the human-readable reports (text, JUnit, Markdown, HTML) name it: a file of the repository (below
 * `sourceRoot`, else below the folder redfort ran from) relative to that folder, as the user gave it
 * (`deploy/redis.conf`, `../common/redis.conf`), not the runner's absolute path (QA41-106); any other file, such as
 * /etc/redis/redis.conf, as it is.
 */
export function shownPath(path: string, context: Pick<ReportContext, 'root' | 'sourceRoot'>): string {
  const { root } = context;
  if (root === undefined || !isAbsolute(path) || !isBelow(path, context.sourceRoot ?? root)) return path;
  const rel = relative(root, path);
  return rel === '' ? path : rel;
}

/** {@link formatSource}, a file's path as {@link shownPath} gives it. */
export function shownSource(source: Source, context: Pick<ReportContext, 'root' | 'sourceRoot'>): string {
  return source.kind === 'file' ? `${shownPath(source.path, context)}:${source.line}` : formatSource(source);
}
