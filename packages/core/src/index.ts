/**
 * `@precinct/core` — the typed voter/contact model, the consent ledger, storage on SQLite and PostgreSQL,
 * the plugin contracts, errors and the event bus. Start with {@link createPrecinct}.
 *
 * @packageDocumentation
 */
export * from "./dialer/index.js";
export { EventBus, type Listener } from "./events/bus.js";
export * from "./normalize/index.js";
export * from "./outreach/index.js";
export { createPrecinct, type Precinct, type PrecinctOptions } from "./precinct.js";
export { ownBundleUrl } from "./runtime/bundle-script.js";
export * from "./segments/index.js";
export * from "./spec/contracts/index.js";
export * from "./spec/errors.js";
export * from "./spec/events.js";
export * from "./spec/model/index.js";
export {
  type DatabaseOption,
  DEFAULT_SQLITE_PATH,
  openStorage,
  type PostgresPoolLike,
  type SqliteDatabaseLike,
  type Storage,
  type StorageDriver,
} from "./storage/connection.js";
export type { Migration } from "./storage/migrations/index.js";
export { migrate } from "./storage/migrator.js";
export type { ConsentRepository } from "./storage/repositories/consent-repository.js";
export type {
  EntityInput,
  EntityPatch,
  EntityRepository,
  EntitySpec,
  ListOptions,
} from "./storage/repositories/entity-repository.js";
export type { ListRepository } from "./storage/repositories/list-repository.js";
export type {
  FieldChange,
  MatchRule,
  PeopleListOptions,
  PersonRepository,
  UpsertResult,
} from "./storage/repositories/person-repository.js";
export { type VoterKeys, voterKeys } from "./storage/repositories/voter-keys.js";
export {
  VoterInput,
  type VoterRepository,
  type VoterUpsertResult,
} from "./storage/repositories/voter-repository.js";
export type { Database, DialectName } from "./storage/schema.js";
export * from "./webhooks/index.js";
