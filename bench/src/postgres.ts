/** The PostgreSQL server benchmarks run on: a database is created for each run and dropped after it. */
import { join } from "node:path";
import pg from "pg";

/** The server to benchmark on, from `PRECINCT_BENCH_POSTGRES_URL` (or `PRECINCT_TEST_POSTGRES_URL`). */
function postgresUrl(): string | undefined {
  return process.env.PRECINCT_BENCH_POSTGRES_URL ?? process.env.PRECINCT_TEST_POSTGRES_URL;
}

/** The server's URL, or an error that says which variable to set. */
export function requirePostgresUrl(): string {
  const url = postgresUrl();
  if (!url)
    throw new Error(
      "set PRECINCT_BENCH_POSTGRES_URL (or PRECINCT_TEST_POSTGRES_URL) to benchmark PostgreSQL",
    );
  return url;
}

/** Creates (or re-creates) the empty database `name` on the server at `url`; returns its URL. */
export async function freshDatabase(url: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name}`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}

/** Drops the database `name` on the server at `url`, if it exists. */
export async function dropDatabase(url: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name}`);
  } finally {
    await admin.end();
  }
}

/** Which database the outreach benchmarks run the engine on. */
export type EngineDatabase = "sqlite" | "postgres";

/** The engine's database for one benchmark run, and how to get rid of it afterwards. */
export interface BenchDatabase {
  /** What `createPrecinct({ database })` is given: a SQLite file path or a PostgreSQL URL. */
  readonly database: string;
  /** Drops the PostgreSQL database (a SQLite file goes with its temporary directory). */
  drop(): Promise<void>;
}

/**
 * An empty database for the engine: a SQLite file `name.db` in `dir`, or a PostgreSQL database
 * `precinct_bench_<name>` created on the benchmark server.
 */
export async function benchDatabase(kind: EngineDatabase, dir: string, name: string): Promise<BenchDatabase> {
  if (kind === "sqlite") return { database: join(dir, `${name}.db`), drop: async () => {} };
  const url = requirePostgresUrl();
  const database = `precinct_bench_${name}`;
  return { database: await freshDatabase(url, database), drop: () => dropDatabase(url, database) };
}

/** Checks a `--database` value. */
export function engineDatabase(value: string): EngineDatabase {
  if (value === "sqlite" || value === "postgres") return value;
  throw new Error(`--database must be "sqlite" or "postgres", not "${value}"`);
}
