import type { Precinct } from "@precinct/core";
import { type CliIo, run } from "../src/index.js";

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON summaries.
export type Json = any;

/** What a command printed, and its exit status. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The last stdout line as JSON (`--json`). */
  json(): Json;
}

/** Options of {@link cli}: the environment, the engine's clock and a stop signal. */
export interface CliOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly clock?: () => Date;
  readonly signal?: AbortSignal;
}

/** An in-memory {@link CliIo} whose output can be read while a command still runs. */
export function memoryIo(options: CliOptions = {}): CliIo & { out(): string; err(): string } {
  let stdout = "";
  let stderr = "";
  return {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    isTty: false,
    env: options.env ?? {},
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    out: () => stdout,
    err: () => stderr,
  };
}

/** Runs `precinct <args>` in-process. */
export async function cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const io = memoryIo(options);
  const code = await run(args, io);
  const stdout = io.out();
  return {
    code,
    stdout,
    stderr: io.err(),
    json: () => JSON.parse(stdout.trim().split("\n").at(-1) ?? "null"),
  };
}

/** A fixed clock. */
export function at(iso: string): () => Date {
  return () => new Date(iso);
}

/** Wednesday 2026-11-18, 12:00 in North Carolina (EST): inside every sending window. */
export const NOON_IN_NC = at("2026-11-18T17:00:00.000Z");
/** The same day at 22:30 in North Carolina: after the federal 21:00 cut-off. */
export const NIGHT_IN_NC = at("2026-11-19T03:30:00.000Z");

/** A synthetic recipient (555 numbers, made-up names). */
export interface TestRecipient {
  readonly givenName: string;
  readonly familyName: string;
  readonly phone?: string;
  /** Record an SMS opt-in for the phone. */
  readonly optedIn?: boolean;
}

/** Creates people in North Carolina and a static list of them; records the opt-ins asked for. */
export async function recipientsList(
  precinct: Precinct,
  recipients: readonly TestRecipient[],
): Promise<string> {
  const ids: string[] = [];
  for (const recipient of recipients) {
    const { person } = await precinct.people.upsert({
      givenName: recipient.givenName,
      familyName: recipient.familyName,
      phoneNumbers: recipient.phone ? [{ number: recipient.phone, primary: true, lineType: "mobile" }] : [],
      postalAddresses: [
        { addressLines: ["1 Main St"], locality: "Durham", region: "NC", postalCode: "27701", primary: true },
      ],
    });
    ids.push(person.id);
    if (recipient.phone && recipient.optedIn) {
      await precinct.consent.record({
        channel: "sms",
        contactPoint: recipient.phone,
        kind: "opt_in",
        source: "form",
      });
    }
  }
  const list = await precinct.lists.create({ name: `list ${Math.random().toString(36).slice(2, 8)}` });
  await precinct.lists.addMembers(list.id, ids);
  return list.id;
}

/** Polls `probe` until it returns a truthy value (or fails after `timeoutMs`). */
export async function waitFor<T>(probe: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${probe.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
