import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests run against the packages' sources, so a stale `dist/` never hides a bug.
export default defineConfig({
  resolve: {
    alias: {
      "@precinct/core": src("core"),
      "@precinct/testing/conformance": fileURLToPath(
        new URL("./packages/testing/src/conformance.ts", import.meta.url),
      ),
      "@precinct/testing/http": fileURLToPath(new URL("./packages/testing/src/http.ts", import.meta.url)),
      "@precinct/testing": src("testing"),
      "@precinct/voterfile": src("voterfile"),
      "@precinct/cli": src("cli"),
      "@precinct/twilio": src("twilio"),
      "@precinct/sendgrid": src("sendgrid"),
      "@precinct/google": src("google"),
    },
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
