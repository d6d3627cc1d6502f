/**
 * The file system's refusals in words, one text per errno code for every message that names a file (the
 * reader's, the gatherers', the CLI's checks), so that the same failure reads the same everywhere.
 */
const TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  ENOTDIR: 'not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
};

/** The errno code of a file system error (`ENOENT`), or undefined. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The words for an errno code, or undefined when it has none here. */
export function errnoText(code: string | undefined): string | undefined {
  return code === undefined ? undefined : TEXT[code];
}

/**
 * Why a file could not be read or stat'ed, without its path: the reader's own reason (a FIFO, too large)
 * when it gave one, else the words for its errno code, else the code, else the error's message (less a leading
 * `path: ` when the caller names the path, as the message around it does).
 */
export function fsErrorText(error: unknown, path?: string): string {
  const detail = (error as { detail?: unknown } | null | undefined)?.detail;
  if (typeof detail === 'string') return detail;
  const code = errnoOf(error);
  const text = errnoText(code);
  if (text !== undefined) return text;
  if (code !== undefined) return code;
  const message = error instanceof Error ? error.message : String(error);
  return path !== undefined && message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}
