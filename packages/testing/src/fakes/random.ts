/**
 * A tiny seeded pseudo-random number generator, so fakes that simulate chance (call outcomes) give the
 * same results for the same seed on every machine.
 *
 * @module
 */

/**
 * Mulberry32: a fast 32-bit seeded PRNG. Not for cryptography; good enough for simulations and tests.
 *
 * @param seed - Any integer; the same seed always yields the same sequence.
 * @returns A function returning the next number in `[0, 1)` on each call.
 *
 * @example
 * ```ts
 * const random = mulberry32(42);
 * random(); // always the same first value for seed 42
 * ```
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
