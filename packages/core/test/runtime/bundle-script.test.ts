import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ownBundleUrl } from "../../src/index.js";

const root = mkdtempSync(join(tmpdir(), "precinct-bundle-"));
mkdirSync(join(root, "dist"));
mkdirSync(join(root, "src"));
writeFileSync(join(root, "package.json"), JSON.stringify({ name: "@example/pkg", main: "./dist/index.js" }));
for (const file of ["dist/index.js", "dist/chunk.js", "src/index.ts"]) writeFileSync(join(root, file), "");
const url = (file: string) => pathToFileURL(join(root, file)).href;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("ownBundleUrl", () => {
  it("returns the bundle's URL when the module is the package's main bundle", () => {
    expect(ownBundleUrl(url("dist/index.js"), "@example/pkg")?.href).toBe(url("dist/index.js"));
  });

  it("is null for another package's name, another file, sources, or a URL that is not a file", () => {
    expect(ownBundleUrl(url("dist/index.js"), "@example/other")).toBeNull();
    expect(ownBundleUrl(url("dist/chunk.js"), "@example/pkg")).toBeNull();
    expect(ownBundleUrl(url("src/index.ts"), "@example/pkg")).toBeNull();
    expect(ownBundleUrl("https://example.org/dist/index.js", "@example/pkg")).toBeNull();
    // No package.json one directory up.
    expect(ownBundleUrl(pathToFileURL(join(root, "index.js")).href, "@example/pkg")).toBeNull();
  });
});
