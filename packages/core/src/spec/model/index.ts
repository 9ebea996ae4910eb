/**
 * The Precinct data model: zod schemas and the types inferred from them. Field names follow OSDI in
 * camelCase, so syncing with OSDI systems (Action Network) is a mapping, not a translation.
 *
 * @module
 */
export * from "./common.js";
export * from "./consent.js";
export * from "./organization.js";
export * from "./organizing.js";
export * from "./outreach.js";
export * from "./person.js";
export * from "./voter.js";
