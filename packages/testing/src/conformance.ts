/**
 * `@precinct/testing/conformance` — the published adapter conformance suites. They are built on vitest
 * (an optional peer dependency), so they live in their own entry point: importing the fakes from
 * `@precinct/testing` never requires vitest.
 *
 * @packageDocumentation
 */
export * from "./conformance/index.js";
