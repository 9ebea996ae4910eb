/**
 * Hash-based randomness for the synthetic voter-file generator. Nothing here keeps global state: every
 * value is a function of `(seed, index, stream)`, so voter 4,999,999 can be computed without computing the
 * ones before it, and two runs with the same seed give the same bytes.
 *
 * @module
 */

/** One round of MurmurHash3's body: mixes the 32-bit word `k` into the running hash `h`. */
function mix(h: number, k: number): number {
  let x = Math.imul(k, 0xcc9e2d51);
  x = (x << 15) | (x >>> 17);
  x = Math.imul(x, 0x1b873593);
  let y = h ^ x;
  y = (y << 13) | (y >>> 19);
  return (Math.imul(y, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's finalizer: spreads every input bit over the whole word. */
function finish(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * A 32-bit hash of three integers (MurmurHash3 mixing). The building block of every draw: `hash3(seed,
 * voterIndex, stream)` seeds the generator for one aspect (name, address, phone, ...) of one voter.
 * Non-integers and numbers beyond 32 bits are folded in two halves, so indexes up to 2^53 stay distinct.
 *
 * @param a - Usually the seed.
 * @param b - Usually the voter index.
 * @param c - Usually a stream constant.
 * @returns An unsigned 32-bit integer.
 */
export function hash3(a: number, b: number, c: number): number {
  let h = mix(0x9747b28c, a | 0);
  h = mix(h, b | 0);
  // Indexes beyond 2^32 (never in practice, but cheap to honour) keep their high bits.
  if (b > 0xffffffff) h = mix(h, Math.floor(b / 4294967296) | 0);
  h = mix(h, c | 0);
  return finish(h ^ 12);
}

/**
 * A uniform number in `[0, 1)` from `(a, b, c)` without creating a generator: for one-off decisions
 * ("does voter i join the previous household?").
 *
 * @param a - Usually the seed.
 * @param b - Usually the voter index.
 * @param c - A stream constant.
 * @returns A number in `[0, 1)`.
 */
export function uniform(a: number, b: number, c: number): number {
  return hash3(a, b, c) / 4294967296;
}

/**
 * A small, fast seeded generator (SplitMix32). Create one per `(seed, index, stream)` with {@link rngFor};
 * draw from it in a fixed order so that results never depend on anything else.
 */
export class Rng {
  private state: number;

  /** @param state - Any 32-bit integer. */
  constructor(state: number) {
    this.state = state | 0;
  }

  /** The next number in `[0, 1)`. */
  next(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  }

  /** An integer in `[0, n)`. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in `[min, max]`. */
  between(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One value of a weighted table. */
  weighted<T>(table: WeightedTable<T>): T {
    return table.at(this.next());
  }
}

/**
 * The generator for one aspect of one voter.
 *
 * @param seed - The population's seed.
 * @param index - The voter (or person, or row) index.
 * @param stream - A constant naming the aspect, so that changing one option (say, the phone rate) does not
 *   reshuffle unrelated fields (names).
 * @returns A fresh generator.
 */
export function rngFor(seed: number, index: number, stream: number): Rng {
  return new Rng(hash3(seed, index, stream));
}

/** Values with weights, drawn by a uniform number: build once, draw millions of times. */
export class WeightedTable<T> {
  readonly values: readonly T[];
  private readonly cumulative: Float64Array;

  /** @param entries - `[value, weight]` pairs; weights need not sum to 1, and zero weights are allowed. */
  constructor(entries: readonly (readonly [T, number])[]) {
    const kept = entries.filter(([, weight]) => weight > 0);
    if (kept.length === 0) throw new RangeError("A weighted table needs at least one positive weight");
    const total = kept.reduce((sum, [, weight]) => sum + weight, 0);
    this.values = kept.map(([value]) => value);
    this.cumulative = new Float64Array(kept.length);
    let running = 0;
    kept.forEach(([, weight], index) => {
      running += weight / total;
      this.cumulative[index] = running;
    });
    this.cumulative[kept.length - 1] = 1;
  }

  /** The value at uniform position `u` in `[0, 1)`. */
  at(u: number): T {
    const cumulative = this.cumulative;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (u < (cumulative[middle] as number)) high = middle;
      else low = middle + 1;
    }
    return this.values[low] as T;
  }
}

/** `(a * b) mod m` for non-negative integers `a, b < m ≤ 2^34`, exact in doubles (no product passes 2^53). */
function mulMod(a: number, b: number, m: number): number {
  const high = Math.floor(a / 65536);
  const low = a % 65536;
  return (((high * b) % m) * 65536 + ((low * b) % m)) % m;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/**
 * A bijection of `[0, modulus)` onto itself, `i → (a·i + b) mod modulus` with `a` coprime to the modulus:
 * it turns consecutive voter indexes into scattered, unique ids, and can be inverted to find a voter by id.
 */
export class AffinePermutation {
  private readonly a: number;
  private readonly b: number;
  private readonly inverse: number;

  /**
   * @param modulus - The size of the id space (at most 2^34).
   * @param seed - Picks the multiplier and offset.
   */
  constructor(
    readonly modulus: number,
    seed: number,
  ) {
    if (!Number.isSafeInteger(modulus) || modulus < 1 || modulus > 2 ** 34) {
      throw new RangeError(`modulus must be an integer in [1, 2^34], got ${modulus}`);
    }
    // A large multiplier scatters neighbours; stepping down from it finds one coprime to the modulus.
    let a = Math.max(1, modulus - 1 - (hash3(seed, modulus % 4294967296, 0x61ff) % Math.ceil(modulus / 2)));
    while (a > 1 && gcd(a, modulus) !== 1) a--;
    this.a = a;
    this.b = hash3(seed, 7, 0x62ff) % modulus;
    this.inverse = Number(modInverse(BigInt(this.a), BigInt(modulus)));
  }

  /** The image of `i` (which must be in `[0, modulus)`). */
  apply(i: number): number {
    return (mulMod(this.a, i, this.modulus) + this.b) % this.modulus;
  }

  /** The `i` whose image is `x`. */
  invert(x: number): number {
    return mulMod(this.inverse, (x - this.b + this.modulus) % this.modulus, this.modulus);
  }
}

function modInverse(a: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}
