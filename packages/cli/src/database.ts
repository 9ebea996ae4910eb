/**
 * Opening the database the CLI works on.
 *
 * @module
 */

import { createPrecinct, type Precinct, type PrecinctPlugins } from "@precinct/core";

/** What a command adds to the client it opens. */
export interface OpenClientOptions {
  /** Plugins (the SMS transport for commands that send or receive texts). */
  readonly plugins?: PrecinctPlugins;
  /** The engine's clock; default the system clock. */
  readonly clock?: () => Date;
}

/** Opens `--db` (a SQLite path or a PostgreSQL URL), else `PRECINCT_DATABASE_URL`, else `./precinct.db`. */
export async function openClient(
  db: string | undefined,
  organization: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  options: OpenClientOptions = {},
): Promise<Precinct> {
  const database = db ?? env.PRECINCT_DATABASE_URL ?? "./precinct.db";
  return createPrecinct({
    database,
    ...(organization ? { organization } : {}),
    ...(options.plugins ? { plugins: options.plugins } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}
