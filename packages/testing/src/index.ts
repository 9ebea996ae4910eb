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
 * - **Synthetic voter files** (`createSyntheticPopulation`, `writeVoterFile`, `nextWeek`, `generatePeople`,
 *   `writePeopleCsv`) describe millions of made-up voters from a seed and write them in every state layout
 *   Precinct reads, with noise and the truth about it, for tests and benchmarks. No real voter data.
 *
 * @module
 */
export * from "./fakes/index.js";
export * from "./generate/index.js";
