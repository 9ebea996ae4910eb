/**
 * Where the CLI writes: injectable so tests run commands in-process and read what they printed.
 *
 * @module
 */

/** The CLI's output streams and environment. */
export interface CliIo {
  /** Writes to standard output. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Whether standard error is a terminal (progress bars are drawn only then). */
  isTty: boolean;
  /** Environment variables (`PRECINCT_DATABASE_URL`, `TWILIO_ACCOUNT_SID`, ...). */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Stops long-running commands (`precinct serve`) when aborted, as SIGINT/SIGTERM do for the process.
   * Absent: those commands listen for the process's own signals.
   */
  signal?: AbortSignal;
  /**
   * The engine's clock (quiet hours, frequency caps, send times). Absent: the system clock. Scripts and
   * tests pass their own to act at a chosen time of day.
   */
  clock?: () => Date;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTty: process.stderr.isTTY === true,
    env: process.env,
  };
}

/** A usage mistake: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A one-line progress bar on standard error, redrawn in place. */
export function progressBar(
  io: CliIo,
  label: string,
): { update(percent: number | null, detail: string): void; done(): void } {
  let last = 0;
  return {
    update(percent, detail) {
      if (!io.isTty) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const width = 30;
      const filled = percent === null ? 0 : Math.round((percent / 100) * width);
      const bar =
        percent === null
          ? ""
          : `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${percent.toFixed(1)}% `;
      io.stderr(`\r${label} ${bar}${detail}\u001b[K`);
    },
    done() {
      if (io.isTty) io.stderr("\r\u001b[K");
    },
  };
}
