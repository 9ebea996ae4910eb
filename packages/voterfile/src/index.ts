/**
 * `@precinct/voterfile` — streaming import of public state voter files (in progress).
 *
 * @packageDocumentation
 */
export {};
