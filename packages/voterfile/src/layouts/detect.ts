/**
 * Recognizing which layout a file is from its header.
 *
 * @module
 */

import { PrecinctError } from "@precinct/core";
import { LAYOUTS } from "./registry.js";
import type { AnyLayout } from "./types.js";

/**
 * The layout whose required columns are all in `header` (compared trimmed and case-insensitively). When
 * several match, the one with the most required columns wins, as the most specific.
 *
 * @param header - The file's column names.
 * @param layouts - The layouts to consider; default all built-in ones.
 * @returns The layout.
 * @throws {@link PrecinctError} `invalid_input` when none matches; its message and `details` name the known
 *   layouts and the first missing columns of the closest one.
 */
export function detectLayout(header: readonly string[], layouts: readonly AnyLayout[] = LAYOUTS): AnyLayout {
  const names = new Set(header.map((name) => name.trim().toLowerCase()));
  let best: { layout: AnyLayout; missing: string[] } | undefined;
  for (const layout of layouts) {
    const missing = layout.requiredColumns.filter((name) => !names.has(name.toLowerCase()));
    const better =
      best === undefined ||
      missing.length < best.missing.length ||
      (missing.length === best.missing.length &&
        layout.requiredColumns.length > best.layout.requiredColumns.length);
    if (better) best = { layout, missing };
  }
  if (best !== undefined && best.missing.length === 0) return best.layout;
  const known = layouts.map((layout) => layout.id);
  const missing = best?.missing.slice(0, 5) ?? [];
  const closest = best === undefined ? "" : `; closest is ${best.layout.id}, missing ${missing.join(", ")}`;
  throw new PrecinctError({
    code: "invalid_input",
    message: `Unrecognized voter file header (known layouts: ${known.join(", ")})${closest}`,
    details: { knownLayouts: known, closestLayout: best?.layout.id, missingColumns: missing },
  });
}
