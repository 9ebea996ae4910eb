/**
 * Nickname equivalence for matching contacts to voters (`Bill Smith` on a sign-up sheet is `WILLIAM SMITH`
 * in the voter file).
 *
 * @module
 */

import type { FieldOptions } from "./input.js";
import { nameMatchKey } from "./name.js";
import { NICKNAME_GROUPS } from "./nickname-table.js";

/** Match key → indexes of the groups that contain it. Built on first use so importing costs nothing. */
let groupsByKey: Map<string, number[]> | undefined;

function groupIndex(): Map<string, number[]> {
  if (groupsByKey !== undefined) return groupsByKey;
  groupsByKey = new Map();
  NICKNAME_GROUPS.forEach((group, index) => {
    for (const name of group) {
      const key = nameMatchKey(name);
      const indexes = groupsByKey!.get(key) ?? [];
      // A spelling that normalizes to the same key twice in one group must not list the group twice.
      if (indexes.at(-1) !== index) indexes.push(index);
      groupsByKey!.set(key, indexes);
    }
  });
  return groupsByKey;
}

/**
 * True when two given names can name the same person: the same name (compared by `nameMatchKey`, so
 * `JOSÉ` = `Jose`), or names that share a group in the nickname table (`Bill` and `William`,
 * `Peggy` and `Margaret`, `Paco` and `Francisco`). Symmetric, but not transitive.
 *
 * @param a - A given name.
 * @param b - Another given name.
 * @returns Whether the names are equivalent; always `false` when either has no letters.
 * @throws {@link InvalidInputError} when either is not a string.
 */
export function areNicknameEquivalent(a: string, b: string): boolean {
  const keyA = nameMatchKey(a, { field: "a" });
  const keyB = nameMatchKey(b, { field: "b" });
  if (keyA === "" || keyB === "") return false;
  if (keyA === keyB) return true;
  const groupsA = groupIndex().get(keyA);
  const groupsB = groupIndex().get(keyB);
  if (groupsA === undefined || groupsB === undefined) return false;
  return groupsA.some((index) => groupsB.includes(index));
}

/**
 * Every name equivalent to `name`, as match keys (see `nameMatchKey`): the name's own key plus every name
 * in every group that contains it. Useful to build a blocking key or an `IN (...)` query.
 *
 * @param name - A given name.
 * @param options - `field` (default `"name"`).
 * @returns Sorted, distinct match keys, e.g. `nicknameGroup("Bill")` includes `"bill"`, `"william"`,
 *   `"will"` and `"liam"`; `[]` when `name` has no letters.
 * @throws {@link InvalidInputError} when `name` is not a string.
 */
export function nicknameGroup(name: string, options: FieldOptions = {}): string[] {
  const key = nameMatchKey(name, options);
  if (key === "") return [];
  const keys = new Set([key]);
  for (const index of groupIndex().get(key) ?? []) {
    for (const member of NICKNAME_GROUPS[index] ?? []) keys.add(nameMatchKey(member));
  }
  return [...keys].sort();
}
