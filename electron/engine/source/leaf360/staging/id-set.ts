/**
 * A compact, exact set of Leaf360 ids for the million-row import: an id of 1–19 digits without a
 * leading zero (every id the reader stages, §5 and scalars.readId) is the 64-bit integer it spells
 * (10^19 < 2^64), kept as two 32-bit words in an open-addressing table of typed arrays. That is 8
 * bytes a slot outside the V8 heap, against some 60 bytes a string costs in a Set. Any other
 * string (a leading zero, a JSON file's key) goes to a plain Set beside it, so membership is
 * always exact.
 */

/** Most a table may fill before it doubles. */
const MAX_LOAD = 0.75
const TWO_32 = 4294967296

// The last id encoded, as (high word + 1, low word); set by encode() to keep the hot path free of
// allocations. The high word of an id below 10^19 is at most 2,328,306,436, so +1 never wraps and
// 0 can mark an empty slot.
let hiWord = 0
let loWord = 0

/** Encodes `id` into hiWord/loWord; false when it is not a canonical decimal id. */
function encode(id: string): boolean {
  const len = id.length
  if (len === 0 || len > 19 || (len > 1 && id.charCodeAt(0) === 48)) return false
  let hi = 0
  let lo = 0
  for (let i = 0; i < len; i++) {
    const d = id.charCodeAt(i) - 48
    if (d < 0 || d > 9) return false
    // Base-10 accumulation on two 32-bit limbs; every intermediate stays below 2^53.
    lo = lo * 10 + d
    const carry = Math.floor(lo / TWO_32)
    lo -= carry * TWO_32
    hi = hi * 10 + carry
  }
  hiWord = hi + 1
  loWord = lo
  return true
}

/** Slot of the encoded id in a table of `mask + 1` slots (a murmur3 finaliser over both words). */
function slotOf(mask: number): number {
  let h = Math.imul(loWord ^ Math.imul(hiWord, 0x9e3779b1), 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h & mask
}

/** An exact set of ids. */
export class IdSet {
  /** Pairs (high word + 1, low word); a high word of 0 is an empty slot. */
  #slots: Uint32Array
  #mask: number
  #numeric = 0
  readonly #others = new Set<string>()

  constructor(initialSlots = 1024) {
    let n = 16
    while (n < initialSlots) n *= 2
    this.#slots = new Uint32Array(2 * n)
    this.#mask = n - 1
  }

  /** How many ids the set holds. */
  get size(): number {
    return this.#numeric + this.#others.size
  }

  /** Adds an id. */
  add(id: string): void {
    if (!encode(id)) {
      this.#others.add(id)
      return
    }
    if (this.#insert(hiWord, loWord) && ++this.#numeric > MAX_LOAD * (this.#mask + 1)) this.#grow()
  }

  /** Is the id in the set? */
  has(id: string): boolean {
    if (!encode(id)) return this.#others.has(id)
    const slots = this.#slots
    const mask = this.#mask
    for (let i = slotOf(mask); ; i = (i + 1) & mask) {
      const hi = slots[2 * i]!
      if (hi === 0) return false
      if (hi === hiWord && slots[2 * i + 1] === loWord) return true
    }
  }

  /** Inserts the encoded pair; false when it was there already. */
  #insert(hi: number, lo: number): boolean {
    const slots = this.#slots
    const mask = this.#mask
    hiWord = hi
    loWord = lo
    for (let i = slotOf(mask); ; i = (i + 1) & mask) {
      const h = slots[2 * i]!
      if (h === 0) {
        slots[2 * i] = hi
        slots[2 * i + 1] = lo
        return true
      }
      if (h === hi && slots[2 * i + 1] === lo) return false
    }
  }

  #grow(): void {
    const old = this.#slots
    this.#slots = new Uint32Array(2 * old.length)
    this.#mask = old.length - 1
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0) this.#insert(old[i]!, old[i + 1]!)
    }
  }
}
