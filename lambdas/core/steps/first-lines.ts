/**
 * The first line of each reading identity in one file, for the in-file duplicate check: the one
 * piece of ingest's memory that grows with the file. Integer ids (the common case, AI4I's UDI)
 * live in an open-addressing table of typed arrays, 12 bytes a slot, about a third of what a Map
 * costs; other identities (string ids, id + timestamp) in a Map.
 */

const EMPTY = Number.NaN;
const INITIAL_SLOTS = 1 << 12;

export class FirstLines {
  #keys = new Float64Array(INITIAL_SLOTS).fill(EMPTY);
  #lines = new Uint32Array(INITIAL_SLOTS);
  #size = 0;
  readonly #others = new Map<string, number>();

  /** The line recorded for `identity`, or undefined. */
  get(identity: number | string): number | undefined {
    if (typeof identity === 'string') return this.#others.get(identity);
    const slot = this.#find(identity);
    return Number.isNaN(this.#keys[slot]) ? undefined : this.#lines[slot];
  }

  /** Records `line` for an identity not recorded yet. */
  set(identity: number | string, line: number): void {
    if (typeof identity === 'string') {
      this.#others.set(identity, line);
      return;
    }
    if ((this.#size + 1) * 2 > this.#keys.length) this.#grow();
    const slot = this.#find(identity);
    if (Number.isNaN(this.#keys[slot])) this.#size++;
    this.#keys[slot] = identity;
    this.#lines[slot] = line;
  }

  /** The slot holding `key`, or the empty slot where it belongs (linear probing). */
  #find(key: number): number {
    const mask = this.#keys.length - 1;
    // Safe integers: mix the low and high 32 bits.
    const high = Math.floor(key / 4294967296);
    let slot = (Math.imul(key | 0, 0x9e3779b1) ^ Math.imul(high | 0, 0x85ebca6b)) & mask;
    for (;;) {
      const at = this.#keys[slot];
      if (Number.isNaN(at) || at === key) return slot;
      slot = (slot + 1) & mask;
    }
  }

  #grow(): void {
    const keys = this.#keys;
    const lines = this.#lines;
    this.#keys = new Float64Array(keys.length * 2).fill(EMPTY);
    this.#lines = new Uint32Array(keys.length * 2);
    this.#size = 0;
    for (let i = 0; i < keys.length; i++) if (!Number.isNaN(keys[i])) this.set(keys[i], lines[i]);
  }
}
