/**
 * Opening the database the CLI works on.
 *
 * @module
 */

import { createPrecinct, type Precinct } from "@precinct/core";

/** Opens `--db` (a SQLite path or a PostgreSQL URL), else `PRECINCT_DATABASE_URL`, else `./precinct.db`. */
export async function openClient(
  db: string | undefined,
  organization: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Precinct> {
  const database = db ?? env.PRECINCT_DATABASE_URL ?? "./precinct.db";
  return createPrecinct({ database, ...(organization ? { organization } : {}) });
}
