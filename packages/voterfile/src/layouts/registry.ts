/**
 * The built-in layouts.
 *
 * @module
 */

import { caVphLayout, caVrdLayout } from "./ca.js";
import { ncHistoryLayout, ncVoterLayout } from "./nc.js";
import { ohSwvfLayout } from "./oh.js";
import type { AnyLayout } from "./types.js";
import { waVrdbLayout } from "./wa.js";

/** Every built-in layout. */
export const LAYOUTS: readonly AnyLayout[] = [
  ncVoterLayout,
  ncHistoryLayout,
  ohSwvfLayout,
  waVrdbLayout,
  caVrdLayout,
  caVphLayout,
];

/**
 * A built-in layout by id.
 *
 * @param id - `nc-voter`, `nc-history`, `oh-swvf`, `wa-vrdb`, `ca-vrd` or `ca-vph`.
 * @returns The layout, or `undefined`.
 */
export function layoutById(id: string): AnyLayout | undefined {
  return LAYOUTS.find((layout) => layout.id === id);
}
