/**
 * `@precinct/testing` — fakes for every Precinct plugin contract and the published adapter conformance
 * suites.
 *
 * - **Fakes** (`createFakeSms`, `createFakeEmail`, `createFakeVoice`, `createFakeSocial`,
 *   `createFakeAudienceSync`, `createFakePeopleSync`, `createFakePetitionSource`, `createFakeEventSource`,
 *   `createFakeJobQueue`) implement the v1 contracts exactly, record what they were asked to do in
 *   inspectable arrays, can be told to fail like a real provider, and never touch the network.
 * - **Conformance suites** (`runSmsTransportConformance`) are the tests every adapter of a contract must
 *   pass; import them from `@precinct/testing/conformance` in your adapter's test file. They need vitest.
 *
 * @module
 */
export * from "./fakes/index.js";
