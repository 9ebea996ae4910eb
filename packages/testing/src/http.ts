/**
 * `@precinct/testing/http` — imitations of vendors' HTTP APIs for adapter tests and benchmarks: msw
 * handlers that speak each vendor's REST API, and a plain `node:http` server around the same imitation.
 * They live in their own entry point so importing the fakes from `@precinct/testing` never loads msw.
 *
 * @packageDocumentation
 */
export * from "./http/index.js";
