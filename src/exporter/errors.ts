/** An exporter config or command line that cannot be used; the message starts with `file:line:` when a file is at fault. */
export class ExporterConfigError extends Error {
  override readonly name = 'ExporterConfigError';
}
