import {
  CamelCasePlugin,
  Kysely,
  PostgresDialect,
  type PostgresPool,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteStatement,
} from "kysely";
import { ConfigError, PrecinctError } from "../spec/errors.js";
import { type Checkpointer, startCheckpointer } from "./checkpointer.js";
import { migrate } from "./migrator.js";
import type { Database, DialectName } from "./schema.js";

/**
 * Where Precinct keeps its data.
 *
 * - a string: a PostgreSQL connection string (`postgres://…` or `postgresql://…`), or else a SQLite file path
 *   (`./precinct.db`, `:memory:`);
 * - `{ sqlite: path }` or `{ sqlite: betterSqlite3Database }`;
 * - `{ postgres: connectionString }` or `{ postgres: pgPool }` (any object with pg's `Pool` interface).
 *
 * The drivers are optional peer dependencies: install `better-sqlite3` for SQLite and `pg` for PostgreSQL.
 */
export type DatabaseOption =
  | string
  | { sqlite: string | SqliteDatabaseLike }
  | { postgres: string | PostgresPoolLike; maxConnections?: number };

/** The parts of a better-sqlite3 `Database` Precinct uses. */
export interface SqliteDatabaseLike {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): unknown;
  prepare(sql: string): unknown;
}

/** The parts of a pg `Pool` Precinct uses. */
export interface PostgresPoolLike {
  connect(): Promise<unknown>;
  end(): Promise<void>;
}

/** The driver handle of an open database: a better-sqlite3 `Database` or a pg `Pool`. */
export type StorageDriver =
  | { readonly kind: "sqlite"; readonly database: SqliteDatabaseLike }
  | { readonly kind: "postgres"; readonly pool: PostgresPoolLike };

/** An open, migrated database. */
export interface Storage {
  /** The Kysely instance (camelCase identifiers mapped to snake_case columns). */
  readonly db: Kysely<Database>;
  /** Which SQL dialect it speaks. */
  readonly dialect: DialectName;
  /** A short description for logs, without credentials. */
  readonly description: string;
  /**
   * The driver handle underneath Kysely, for bulk paths that need the driver itself (prepared statements on
   * SQLite, `COPY` on PostgreSQL). Ordinary code should use {@link Storage.db}.
   */
  readonly driver: StorageDriver;
  /** Closes the connection(s). Idempotent. */
  close(): Promise<void>;
}

/** The SQLite file `createPrecinct()` opens when no database is given. */
export const DEFAULT_SQLITE_PATH = "./precinct.db";

/** Opens (and migrates) the database described by `option`. */
export async function openStorage(option: DatabaseOption = DEFAULT_SQLITE_PATH): Promise<Storage> {
  const storage = await connect(option);
  try {
    await migrate(storage.db as unknown as Kysely<unknown>, storage.dialect);
  } catch (error) {
    await storage.close();
    throw error;
  }
  return storage;
}

async function connect(option: DatabaseOption): Promise<Storage> {
  if (typeof option === "string") {
    return /^postgres(ql)?:\/\//i.test(option) ? connectPostgres(option) : connectSqlite(option);
  }
  if (option && typeof option === "object" && "sqlite" in option) return connectSqlite(option.sqlite);
  if (option && typeof option === "object" && "postgres" in option) {
    return connectPostgres(option.postgres, option.maxConnections);
  }
  throw new ConfigError(
    "database must be a SQLite path, a PostgreSQL connection string, { sqlite: … } or { postgres: … }; got " +
      JSON.stringify(option),
  );
}

async function importOptional<T>(name: string, purpose: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (cause) {
    throw new PrecinctError({
      code: "missing_dependency",
      message: `${purpose} needs the "${name}" package: install it next to @precinct/core (npm install ${name}).`,
      cause,
    });
  }
}

async function connectSqlite(target: string | SqliteDatabaseLike): Promise<Storage> {
  let database: SqliteDatabaseLike;
  let description: string;
  if (typeof target === "string") {
    const path = target.replace(/^sqlite:(\/\/)?/i, "");
    const module = await importOptional<{ default: new (path: string) => SqliteDatabaseLike }>(
      "better-sqlite3",
      "The SQLite database",
    );
    try {
      database = new module.default(path);
    } catch (cause) {
      throw new ConfigError(`Could not open the SQLite database at ${path}.`, { cause });
    }
    description = `sqlite:${path}`;
  } else {
    database = target;
    description = "sqlite:(provided connection)";
  }
  // WAL lets readers work while a writer writes; NORMAL sync is durable across process crashes in WAL mode.
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 10000");
  // SQLite's default page cache is 2 MiB: an outbox, its messages and their indexes outgrow it within a
  // few thousand rows, and every page read after that is a system call. 64 MiB is a ceiling, not an
  // allocation (pages are cached as they are read).
  database.pragma("cache_size = -65536");
  // A file database (not one in memory, which another connection cannot see) is checkpointed by a worker
  // thread, so commits here never wait for the disk.
  const file = typeof target === "string" ? sqliteFile(target) : null;
  const wal = String(database.pragma("journal_mode", { simple: true })).toLowerCase() === "wal";
  const checkpointer = file && wal ? startCheckpointer(file, database) : null;
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
  });
  return closable(db, { kind: "sqlite", database }, description, checkpointer);
}

/**
 * Kysely's SQLite driver prepares every query anew, which costs as much as running a small one. The engine
 * runs the same few statements thousands of times (claim, gate, write back), so prepared statements are
 * kept by SQL text (at most 500); one still being iterated is never handed out twice.
 */
function withStatementCache(database: SqliteDatabaseLike): SqliteDatabase {
  type Statement = SqliteStatement & { readonly busy?: boolean };
  const prepare = (sql: string) => database.prepare(sql) as Statement;
  const cache = new Map<string, Statement>();
  return {
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached && cached.busy !== true) {
        // Most recently used last, so the oldest is the first key.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = prepare(sql);
      if (!cached) {
        cache.set(sql, statement);
        if (cache.size > 500) cache.delete(cache.keys().next().value as string);
      }
      return statement;
    },
    close: () => {
      database.close();
    },
  };
}

const PG_DATE = 1082;
const PG_TIMESTAMP = 1114;
const PG_TIMESTAMPTZ = 1184;
const PG_INT8 = 20;
const PG_NUMERIC = 1700;

async function connectPostgres(target: string | PostgresPoolLike, maxConnections = 10): Promise<Storage> {
  let pool: PostgresPoolLike;
  let description: string;
  if (typeof target === "string") {
    const pg = await importOptional<{
      default: {
        Pool: new (config: Record<string, unknown>) => PostgresPoolLike;
        types: { getTypeParser(oid: number, format?: string): (value: string) => unknown };
      };
    }>("pg", "The PostgreSQL database");
    const builtin = pg.default.types;
    // Dates stay `YYYY-MM-DD` strings and instants ISO strings, exactly as on SQLite; counts become numbers.
    const parsers: Record<number, (value: string) => unknown> = {
      [PG_DATE]: (value) => value,
      [PG_TIMESTAMP]: (value) => new Date(`${value.replace(" ", "T")}Z`).toISOString(),
      [PG_TIMESTAMPTZ]: (value) =>
        new Date(value.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00")).toISOString(),
      [PG_INT8]: (value) => Number(value),
      [PG_NUMERIC]: (value) => Number(value),
    };
    pool = new pg.default.Pool({
      connectionString: target,
      max: maxConnections,
      types: {
        getTypeParser: (oid: number, format?: string) => parsers[oid] ?? builtin.getTypeParser(oid, format),
      },
    });
    description = `postgres:${redact(target)}`;
  } else {
    pool = target;
    description = "postgres:(provided pool)";
  }
  const db = new Kysely<Database>({
    // The pool is pg's (or the caller's); PostgresPoolLike names only the parts Precinct itself calls.
    dialect: new PostgresDialect({ pool: pool as unknown as PostgresPool }),
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
  });
  try {
    await db.selectNoFrom((eb) => eb.lit(1).as("ok")).execute();
  } catch (cause) {
    await db.destroy().catch(() => {});
    throw new ConfigError(`Could not connect to PostgreSQL at ${redact(String(target))}.`, { cause });
  }
  return closable(db, { kind: "postgres", pool }, description);
}

/** The file behind a SQLite target, or null for an in-memory database. */
function sqliteFile(target: string): string | null {
  const path = target.replace(/^sqlite:(\/\/)?/i, "");
  if (path === "" || path === ":memory:" || /^file:/i.test(path)) return null;
  return path;
}

function closable(
  db: Kysely<Database>,
  driver: StorageDriver,
  description: string,
  checkpointer: Checkpointer | null = null,
): Storage {
  let closing: Promise<void> | undefined;
  return {
    db,
    dialect: driver.kind,
    driver,
    description,
    close() {
      // The engine's connection first: the checkpointer's is then the last, and its close folds the log
      // back into the database file.
      closing ??= db.destroy().finally(() => checkpointer?.close());
      return closing;
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, "//$1:***@");
}
