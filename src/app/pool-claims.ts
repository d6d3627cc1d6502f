/**
 * The queue of a fleet's pooled targets, shared by the threads that audit them (src/app/pool.ts): each thread
 * claims the next target nobody has claimed whenever it has room for one, so that a thread that is busier (the
 * main thread writes the reports) takes fewer, and no thread waits for another to be handed work. A claim marks
 * the position with the thread's id in one atomic step, so that the targets of a worker that stops are known.
 */
export class Claims {
  /** One owner per position (0: unclaimed), then a hint: no position before it is unclaimed. */
  readonly #owners: Int32Array;
  readonly #size: number;
  readonly #me: number;

  /** The shared memory for a queue of `size` targets. */
  static memory(size: number): SharedArrayBuffer {
    return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * (size + 1));
  }

  /** The claims on `memory` (see {@link Claims.memory}) of the thread `me` (1 or more). */
  constructor(memory: SharedArrayBuffer, me: number) {
    this.#owners = new Int32Array(memory);
    this.#size = this.#owners.length - 1;
    this.#me = me;
  }

  get size(): number {
    return this.#size;
  }

  /** Claims the first position nobody has claimed for this thread; undefined when every one is claimed. */
  claim(): number | undefined {
    const owners = this.#owners;
    for (let i = Atomics.load(owners, this.#size); i < this.#size; i++) {
      if (Atomics.compareExchange(owners, i, 0, this.#me) === 0) {
        // Every position before `i + 1` is claimed: this one now, those before by whoever failed this loop there.
        Atomics.store(owners, this.#size, i + 1);
        return i;
      }
    }
    return undefined;
  }

  /** The first position nobody has claimed yet (another thread may claim it next), or `size`. */
  next(): number {
    const owners = this.#owners;
    let i = Atomics.load(owners, this.#size);
    while (i < this.#size && Atomics.load(owners, i) !== 0) i++;
    return i;
  }

  /** The thread that claimed `position`, 0 when none has. */
  owner(position: number): number {
    return Atomics.load(this.#owners, position);
  }
}
