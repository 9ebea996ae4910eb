import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe } from "vitest";
import { createPrecinct, type Precinct } from "../../src/index.js";

/**
 * The storage suites run once per database: SQLite always, PostgreSQL when `PRECINCT_TEST_POSTGRES_URL`
 * names a server this test run may create databases on. In CI the variable is required.
 */
const postgresUrl = process.env.PRECINCT_TEST_POSTGRES_URL;

if (postgresUrl) {
  console.info(
    `precinct tests: storage suites run on SQLite and on PostgreSQL (${new URL(postgresUrl).host}).`,
  );
} else {
  if (process.env.CI) {
    throw new Error(
      "PRECINCT_TEST_POSTGRES_URL is not set: CI must run the storage suites on PostgreSQL too.",
    );
  }
  console.warn(
    "precinct tests: the PostgreSQL run was SKIPPED because PRECINCT_TEST_POSTGRES_URL is not set " +
      "(e.g. postgres://precinct:precinct@127.0.0.1:5432/postgres). Only SQLite was tested.",
  );
}

/** A database under test. */
export interface TestDatabase {
  /** `sqlite` or `postgres`. */
  readonly name: "sqlite" | "postgres";
  /** The `database` option for `createPrecinct`. */
  readonly url: string;
  /** A client bound to a new, empty organization of this database. */
  client(): Promise<Precinct>;
  /** The root client (organization `default`). */
  readonly root: Precinct;
}

interface Backend {
  name: "sqlite" | "postgres";
  create(): Promise<{ url: string; drop(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "sqlite",
    async create() {
      const dir = mkdtempSync(join(tmpdir(), "precinct-test-"));
      return { url: join(dir, "test.db"), drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];
if (postgresUrl) {
  backends.push({
    name: "postgres",
    async create() {
      const name = `precinct_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(postgresUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        async drop() {
          const client = new pg.Client({ connectionString: postgresUrl });
          await client.connect();
          // Closed pools may still be hanging up; forcing would make the server kill those sockets and their
          // clients report the kill as an unhandled error. Wait for them, then force as a last resort.
          for (let attempt = 0; ; attempt++) {
            try {
              await client.query(`drop database if exists ${name}${attempt >= 50 ? " with (force)" : ""}`);
              break;
            } catch (error) {
              if ((error as { code?: string }).code !== "55006" || attempt >= 50) throw error;
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          }
          await client.end();
        },
      };
    },
  });
}

/**
 * Runs `suite` once per available database, each with a fresh database; with `only`, on that database
 * alone (for behaviour only it has, such as PostgreSQL's row locks between processes).
 */
export function forEachDatabase(
  title: string,
  suite: (db: () => TestDatabase) => void,
  options: { readonly only?: "sqlite" | "postgres" } = {},
): void {
  for (const backend of backends) {
    if (options.only && backend.name !== options.only) continue;
    describe(`${title} [${backend.name}]`, () => {
      let current: TestDatabase | undefined;
      let drop: (() => Promise<void>) | undefined;
      beforeAll(async () => {
        const created = await backend.create();
        drop = created.drop;
        const root = await createPrecinct({ database: created.url });
        current = {
          name: backend.name,
          url: created.url,
          root,
          client: () =>
            root.forOrganization({ name: "Test organization", slug: `test-${randomUUID().slice(0, 8)}` }),
        };
      });
      afterAll(async () => {
        await current?.root.close();
        await drop?.();
      });
      suite(() => {
        if (!current) throw new Error("database not ready");
        return current;
      });
    });
  }
}
