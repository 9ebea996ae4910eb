/**
 * The plugin contracts: the versioned interfaces adapters implement, their input and output types, and
 * the helpers engines use to check plugins (`validatePlugins`, `hasCapability`) and count SMS segments.
 *
 * @module
 */

export * from "./audience-sync.js";
export * from "./common.js";
export * from "./email-transport.js";
export * from "./event-source.js";
export * from "./job-queue.js";
export * from "./people-sync.js";
export * from "./petition-source.js";
export * from "./plugins.js";
export * from "./sms-segments.js";
export * from "./sms-transport.js";
export * from "./social-publisher.js";
export * from "./voice-transport.js";
