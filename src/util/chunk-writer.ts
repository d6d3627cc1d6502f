/** Bytes of one chunk. */
export const CHUNK_BYTES = 64 * 1024;

/**
 * UTF-8 into reused buffers of {@link CHUNK_BYTES}, for a large text made in pieces (a report) that goes to a file or
 * a stream a chunk at a time: `writeSync(fd, string)` makes a Buffer of each string, and a text of megabytes
 * encoded whole is fresh memory that the kernel must fault in page by page. A string or a run of bytes never
 * straddles two chunks (a string longer than a chunk is cut between characters), so every chunk is whole characters.
 *
 * With a `sink`, each chunk goes to it as soon as it is full (or at {@link ChunkWriter.flush}) and its buffer is
 * written again after; without one, full chunks wait for {@link ChunkWriter.take}.
 */
export class ChunkWriter {
  readonly #sink: ((chunk: Uint8Array) => void) | undefined;
  #buffer: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  #used = 0;
  /** Chunks full and not yet taken, with the buffer to reuse after (none for bytes too long for a chunk). */
  readonly #full: { readonly chunk: Uint8Array; readonly buffer: Buffer | undefined }[] = [];
  readonly #spare: Buffer[] = [];

  constructor(sink?: (chunk: Uint8Array) => void) {
    this.#sink = sink;
  }

  byte(value: number): void {
    if (this.#used === CHUNK_BYTES) this.#next();
    this.#buffer[this.#used++] = value;
  }

  /** Bytes already encoded (whole characters), after what the buffer holds. */
  bytes(bytes: Uint8Array): void {
    if (bytes.length > CHUNK_BYTES - this.#used) {
      this.#next();
      if (bytes.length > CHUNK_BYTES) {
        if (this.#sink) this.#sink(bytes);
        else this.#full.push({ chunk: bytes, buffer: undefined });
        return;
      }
    }
    this.#buffer.set(bytes, this.#used);
    this.#used += bytes.length;
  }

  text(text: string): void {
    // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4 bytes).
    if (text.length * 3 > CHUNK_BYTES - this.#used) {
      this.#next();
      if (text.length * 3 > CHUNK_BYTES) {
        this.#textInSlices(text);
        return;
      }
    }
    this.#used += this.#buffer.write(text, this.#used);
  }

  /**
   * A text longer than a chunk (a whole report, 10 MB for 200 targets), a chunk at a time (writing it whole cost
   * 120 ms of CPU for 10 MB, against 70 in slices); a slice never ends between the two halves of a surrogate pair,
   * which would encode as two replacement characters.
   */
  #textInSlices(text: string): void {
    const most = Math.floor(CHUNK_BYTES / 3);
    for (let start = 0; start < text.length; ) {
      let end = Math.min(text.length, start + most);
      if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
      this.#used = this.#buffer.write(text.slice(start, end), 0);
      this.#next();
      start = end;
    }
  }

  #next(): void {
    if (this.#used === 0) return;
    const chunk = this.#buffer.subarray(0, this.#used);
    this.#used = 0;
    if (this.#sink) {
      this.#sink(chunk);
      return;
    }
    this.#full.push({ chunk, buffer: this.#buffer });
    this.#buffer = this.#spare.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
  }

  /** With a sink: hands it what the buffer holds. */
  flush(): void {
    this.#next();
  }

  /** Without a sink: the full chunks (and with `all` the last one), each buffer reused once its chunk is taken. */
  *take(all: boolean): Generator<Uint8Array, void, undefined> {
    if (all) this.#next();
    for (const { chunk, buffer } of this.#full) {
      yield chunk;
      if (buffer) this.#spare.push(buffer);
    }
    this.#full.length = 0;
  }
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}
