// A bit set with a summary tree above it, the structure behind BitmapFrameAllocator.
// Level 0 holds the bits; level k+1 holds one bit per word of level k, set when that
// word is not zero; the top level is a single word. Finding the next set bit climbs
// until a level has a set bit at or after the position, then descends with one
// count-trailing-zeros per level: O(height) = O(log32 size) instead of a word scan.
//
// Layout and speed: all levels live in one Int32Array (level 0 first). Words are
// signed so that a full word (-1) stays a small integer for the engine; Uint32Array
// values of 2^31 and more become heap numbers when they cross a call. The hot paths
// (take the lowest set bit, set a bit) update levels 0 to 2 inline: under churn a
// level-1 word (1024 bits) empties and refills often, higher levels rarely, and a
// version that sent every summary update through one out-of-line method measured
// clearly slower. A "lowest non-empty word" hint was tried and measured slower
// too: under allocate/free churn nearly every allocation empties a word, and
// recomputing the hint costs more than the descent it saves.
// Indices stay below 2^31 (MAX_FRAMES plus padding), so 32-bit operators are exact.

/** Index of the lowest set bit of a non-zero 32-bit word. */
function ctz(word: number): number {
  return 31 - Math.clz32(word & -word);
}

/** A fixed-size bit set with O(log32 n) find-next-set. Internal to the package. */
export class HierarchicalBitset {
  /** Number of bits. Bits at and beyond `size` in the last word stay zero. */
  readonly size: number;
  /** Level 0, the bits themselves (bit i of word w is index 32w + i). Read-only to owners. */
  readonly words: Int32Array;
  private readonly data: Int32Array;
  /** Word offset of each level in `data`. */
  private readonly offsets: Int32Array;
  /** Bits in each level. */
  private readonly bitCounts: Float64Array;
  private readonly top: number;
  private readonly topOffset: number;
  // Views of levels 1 and 2 for the inline summary updates (a 1-word dummy when
  // the level does not exist).
  private readonly l1: Int32Array;
  private readonly l2: Int32Array;
  /**
   * Optional index of full level-0 words (all 32 bits set): bit w is set exactly
   * when word w is -1. Kept here, where the old and new word are at hand.
   */
  readonly fullWords: HierarchicalBitset | null;

  constructor(size: number, options?: { readonly indexFullWords?: boolean }) {
    if (!Number.isInteger(size) || size < 1 || size > 0x8000_0000) {
      throw new RangeError(`bitset size must be an integer in [1, 2^31], got ${size}`);
    }
    this.size = size;
    const offsets: number[] = [];
    const bitCounts: number[] = [];
    let bits = size;
    let total = 0;
    for (;;) {
      const words = Math.ceil(bits / 32);
      offsets.push(total);
      bitCounts.push(bits);
      total += words;
      if (words === 1) break;
      bits = words;
    }
    this.data = new Int32Array(total);
    this.offsets = Int32Array.from(offsets);
    this.bitCounts = Float64Array.from(bitCounts);
    this.top = offsets.length - 1;
    this.topOffset = offsets[this.top];
    this.words = this.level(0);
    this.l1 = this.level(1);
    this.l2 = this.level(2);
    this.fullWords = options?.indexFullWords ? new HierarchicalBitset(this.words.length) : null;
  }

  /** Height of the tree (levels including level 0). */
  get height(): number {
    return this.top + 1;
  }

  get(index: number): boolean {
    return ((this.data[index >>> 5] >>> (index & 31)) & 1) === 1;
  }

  /** Sets bit `index`; returns the level-0 word as it was before. */
  set(index: number): number {
    const w = index >>> 5;
    const old = this.data[w];
    const now = old | (1 << (index & 31));
    this.data[w] = now;
    if (old === 0) {
      // Levels 1 and 2 inline (a level-1 word covers only 1024 bits, so level 2
      // changes often under churn). Absent levels are 1-word dummies: the writes
      // are harmless, as every index into them is 0.
      const l1 = this.l1;
      const b = w >>> 5;
      const old1 = l1[b];
      l1[b] = old1 | (1 << (w & 31));
      if (old1 === 0) {
        const l2 = this.l2;
        const a = b >>> 5;
        const old2 = l2[a];
        l2[a] = old2 | (1 << (b & 31));
        if (old2 === 0) this.fillFrom(3, a);
      }
    }
    if (now === -1 && old !== -1 && this.fullWords !== null) this.fullWords.set(w);
    return old;
  }

  /** Clears bit `index`; returns the level-0 word as it was before. */
  clear(index: number): number {
    const w = index >>> 5;
    const old = this.data[w];
    const now = old & ~(1 << (index & 31));
    this.data[w] = now;
    if (now === 0 && old !== 0) this.emptyFrom(1, w);
    if (old === -1 && now !== -1 && this.fullWords !== null) this.fullWords.clear(w);
    return old;
  }

  /** Replaces level-0 word `w` (for range operations); returns the old word. */
  setWord(w: number, value: number): number {
    const old = this.data[w];
    this.data[w] = value;
    if (old === 0) {
      if (value !== 0) this.fillFrom(1, w);
    } else if (value === 0) {
      this.emptyFrom(1, w);
    }
    if (this.fullWords !== null && (old === -1) !== (value === -1)) {
      if (value === -1) this.fullWords.set(w);
      else this.fullWords.clear(w);
    }
    return old;
  }

  /** Lowest set index, or -1 when the set is empty: one step per level, top down. */
  findFirstSet(): number {
    const w = this.firstWord();
    return w < 0 ? -1 : w * 32 + ctz(this.data[w]);
  }

  /** Clears the lowest set bit and returns its index, or -1 when the set is empty. */
  takeFirstSet(): number {
    const w = this.firstWord();
    if (w < 0) return -1;
    const data = this.data;
    const word = data[w];
    const now = word & (word - 1);
    data[w] = now;
    if (now === 0) {
      const l1 = this.l1;
      const b = w >>> 5;
      const now1 = l1[b] & ~(1 << (w & 31));
      l1[b] = now1;
      if (now1 === 0) {
        const l2 = this.l2;
        const a = b >>> 5;
        const now2 = l2[a] & ~(1 << (b & 31));
        l2[a] = now2;
        if (now2 === 0) this.emptyFrom(3, a);
      }
    } else if (word === -1 && this.fullWords !== null) {
      this.fullWords.clear(w);
    }
    return w * 32 + ctz(word);
  }

  /** Lowest set index >= `from`, or -1. */
  findNextSet(from: number): number {
    return from < this.size ? this.findFrom(0, from) : -1;
  }

  /** Lowest set index in [from, end), or -1: a level-0 word scan, for short ranges. */
  findNextSetIn(from: number, end: number): number {
    if (from >= end) return -1;
    const data = this.data;
    let w = from >>> 5;
    let bits = data[w] & (-1 << (from & 31));
    const lastWord = (end - 1) >>> 5;
    for (;;) {
      if (bits !== 0) {
        const index = w * 32 + ctz(bits);
        return index < end ? index : -1;
      }
      if (w === lastWord) return -1;
      w++;
      bits = data[w];
    }
  }

  /**
   * Lowest clear index in [from, end), or -1 when all those bits are set. A word scan
   * of level 0 (the summary tracks non-empty words, not full ones), so callers use it
   * on short ranges.
   */
  findNextClear(from: number, end: number): number {
    if (from >= end) return -1;
    const data = this.data;
    let w = from >>> 5;
    let bits = ~data[w] & (-1 << (from & 31));
    const lastWord = (end - 1) >>> 5;
    for (;;) {
      if (bits !== 0) {
        const index = w * 32 + ctz(bits);
        return index < end ? index : -1;
      }
      if (w === lastWord) return -1;
      w++;
      bits = ~data[w];
    }
  }

  /** Number of set bits (O(size / 32)); for stats and tests. */
  count(): number {
    let total = 0;
    const words = this.words;
    for (let w = 0; w < words.length; w++) {
      let v = words[w];
      v -= (v >>> 1) & 0x5555_5555;
      v = (v & 0x3333_3333) + ((v >>> 2) & 0x3333_3333);
      total += Math.imul((v + (v >>> 4)) & 0x0f0f_0f0f, 0x0101_0101) >>> 24;
    }
    return total;
  }

  /**
   * Throws when a summary bit disagrees with the word below it, padding bits are set
   * or the full-word index disagrees with the words.
   */
  checkInvariants(): void {
    const data = this.data;
    const full = this.fullWords;
    if (full !== null) {
      full.checkInvariants();
      for (let w = 0; w < this.words.length; w++) {
        if (full.get(w) !== (this.words[w] === -1)) {
          throw new Error(`bitset: full-word index bit ${w} disagrees with word ${this.words[w]}`);
        }
      }
    }
    for (let k = 0; k <= this.top; k++) {
      const bits = this.bitCounts[k];
      const start = this.offsets[k];
      const last = start + Math.ceil(bits / 32) - 1;
      if (bits % 32 !== 0 && data[last] >>> (bits % 32) !== 0) {
        throw new Error(`bitset level ${k}: padding bits set in the last word`);
      }
      if (k > 0) {
        const below = this.offsets[k - 1];
        for (let i = 0; i < bits; i++) {
          const summary = ((data[start + (i >>> 5)] >>> (i & 31)) & 1) === 1;
          if (summary !== (data[below + i] !== 0)) {
            throw new Error(
              `bitset level ${k} bit ${i} is ${summary}, word below is ${data[below + i]}`,
            );
          }
        }
      }
    }
  }

  private level(k: number): Int32Array {
    if (k > this.top) return new Int32Array(1);
    return this.data.subarray(this.offsets[k], this.offsets[k] + Math.ceil(this.bitCounts[k] / 32));
  }

  // The lowest non-empty level-0 word, or -1: one step per level, top down.
  private firstWord(): number {
    const data = this.data;
    if (data[this.topOffset] === 0) return -1;
    const offsets = this.offsets;
    let p = 0;
    for (let k = this.top; k > 0; k--) p = p * 32 + ctz(data[offsets[k] + p]);
    return p;
  }

  // Word `index` of level `level - 1` became non-empty: set summary bits from
  // `level` upward while the words there were empty.
  private fillFrom(level: number, index: number): void {
    const data = this.data;
    let i = index;
    for (let k = level; k <= this.top; k++) {
      const p = this.offsets[k] + (i >>> 5);
      const old = data[p];
      data[p] = old | (1 << (i & 31));
      if (old !== 0) return;
      i >>>= 5;
    }
  }

  // Word `index` of level `level - 1` became empty: clear summary bits from `level`
  // upward while the words there become empty.
  private emptyFrom(level: number, index: number): void {
    const data = this.data;
    let i = index;
    for (let k = level; k <= this.top; k++) {
      const p = this.offsets[k] + (i >>> 5);
      const now = data[p] & ~(1 << (i & 31));
      data[p] = now;
      if (now !== 0) return;
      i >>>= 5;
    }
  }

  // Lowest set bit at or after `pos` in level `level`, or -1.
  private findFrom(level: number, pos: number): number {
    const data = this.data;
    const offsets = this.offsets;
    let p = pos;
    let k = level;
    for (;;) {
      if (p >= this.bitCounts[k]) return -1;
      const bits = data[offsets[k] + (p >>> 5)] & (-1 << (p & 31));
      if (bits !== 0) {
        p = p - (p & 31) + ctz(bits);
        break;
      }
      if (k === this.top) return -1;
      p = (p >>> 5) + 1;
      k++;
    }
    while (k > level) {
      k--;
      p = p * 32 + ctz(data[offsets[k] + p]);
    }
    return p;
  }
}
