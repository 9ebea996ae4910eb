/**
 * Opening the database the CLI works on.
 *
 * @module
 */

import {
  createPrecinct,
  DEFAULT_SQLITE_PATH,
  type EmailSettings,
  type Precinct,
  type PrecinctPlugins,
} from "@precinct/core";

/** What a command adds to the client it opens. */
export interface OpenClientOptions {
  /** Plugins (the SMS transport for commands that send or receive texts). */
  readonly plugins?: PrecinctPlugins;
  /** The engine's clock; default the system clock. */
  readonly clock?: () => Date;
  /**
   * Email settings (postal address, unsubscribe secret, public URL, sender), which the engine needs to
   * launch email campaigns and to serve unsubscribe links; see `emailSettings()` in `transport.ts`.
   */
  readonly email?: EmailSettings | undefined;
}

/** Opens `--db` (a SQLite path or a PostgreSQL URL), else `PRECINCT_DATABASE_URL`, else `./precinct.db`. */
export async function openClient(
  db: string | undefined,
  organization: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  options: OpenClientOptions = {},
): Promise<Precinct> {
  const database = db ?? env.PRECINCT_DATABASE_URL ?? DEFAULT_SQLITE_PATH;
  return createPrecinct({
    database,
    ...(organization ? { organization } : {}),
    ...(options.plugins ? { plugins: options.plugins } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.email ? { email: options.email } : {}),
  });
}
