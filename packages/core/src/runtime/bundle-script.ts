/**
 * Worker threads on a package's own code: a package that starts a worker on itself (a parsing worker, a
 * send thread) needs the URL of its built bundle, and must know when there is none (its sources run under
 * a TypeScript loader, or it was bundled into an application).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The URL of package `packageName`'s built bundle when `moduleUrl` (a module's `import.meta.url`) is that
 * bundle — the file its `package.json`, one directory up, names as `main` — else null: the module runs from
 * sources, from another package's bundle, or from a location that is not a file.
 *
 * A worker started on the returned URL loads the same code the caller runs, and the module guards its
 * worker entry with `isMainThread` and a tag in `workerData`.
 *
 * @example
 * ```ts
 * const script = ownBundleUrl(import.meta.url, "@precinct/voterfile");
 * if (script !== null) new Worker(script, { workerData: { tag: "my-worker", ... } });
 * ```
 */
export function ownBundleUrl(moduleUrl: string, packageName: string): URL | null {
  const url = new URL(moduleUrl);
  if (url.protocol !== "file:" || !url.pathname.endsWith(".js")) return null;
  try {
    const path = fileURLToPath(url);
    const manifest = JSON.parse(readFileSync(join(dirname(path), "..", "package.json"), "utf8")) as {
      name?: unknown;
      main?: unknown;
    };
    if (manifest.name !== packageName || typeof manifest.main !== "string") return null;
    return join(dirname(path), "..", manifest.main) === path ? url : null;
  } catch {
    return null;
  }
}
