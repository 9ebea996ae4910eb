/** Shared helpers of the benchmarks: data files cached between runs, timing, child processes, reporting. */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createSyntheticPopulation, type SyntheticPopulation, writeVoterFile } from "@precinct/testing";

/** Where generated files and databases live (git-ignored). */
export const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", ".data");
mkdirSync(DATA_DIR, { recursive: true });

/** The population every benchmark uses: seed 2026, NC. */
export function population(voters: number): SyntheticPopulation {
  return createSyntheticPopulation({ seed: 2026, voters, state: "NC" });
}

/** A generated file, written once and reused by later runs. */
export async function generated(layout: "nc-voter" | "nc-history", voters: number): Promise<string> {
  const path = join(DATA_DIR, `${layout}-${voters}.txt`);
  if (existsSync(path)) return path;
  const started = performance.now();
  process.stdout.write(`  generating ${path} …`);
  const summary = await writeVoterFile(`${path}.part`, { population: population(voters), layout });
  renameSync(`${path}.part`, path);
  process.stdout.write(
    ` ${summary.rows.toLocaleString("en-US")} rows, ${mb(summary.bytes)} in ${seconds(performance.now() - started)}\n`,
  );
  return path;
}

/** Runs a command; resolves with its wall time, stdout and exit status. Fails loudly on a non-zero exit. */
export function runCommand(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, stdout });
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code}`));
    });
    child.stdin.end(options.input ?? "");
  });
}

/** The child script that imports one file and prints its summary and peak RSS as JSON. */
export const IMPORT_CHILD = join(dirname(fileURLToPath(import.meta.url)), "import-child.mjs");

/** Runs an import in a fresh process (so its peak RSS is its own) and returns the parsed result. */
export async function importInChild(
  file: string,
  database: string,
  nodeOptions = "",
): Promise<{ ms: number; result: ChildResult }> {
  const { ms, stdout } = await runCommand(process.execPath, [IMPORT_CHILD, file, database], {
    env: nodeOptions ? { NODE_OPTIONS: nodeOptions } : {},
  });
  const last = stdout.trim().split("\n").at(-1) ?? "{}";
  return { ms, result: JSON.parse(last) as ChildResult };
}

/** What the import child reports. */
export interface ChildResult {
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  elapsedMs: number;
  maxRssMb: number;
}

/** `12.3 s`. */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
/** `123 MB`. */
export const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`;
/** `1,234,567`. */
export const count = (n: number): string => Math.round(n).toLocaleString("en-US");

/** One result line: the measured value, the baseline, the ratio and whether the target is met. */
export function report(name: string, ratio: number, target: string, pass: boolean, detail: string): Result {
  const line = `${pass ? "PASS" : "FAIL"}  ${name}: ${ratio.toFixed(2)}× (target ${target}) — ${detail}`;
  console.log(`\n  ${line}\n`);
  return { name, ratio, target, pass, detail };
}

/** A benchmark's outcome. */
export interface Result {
  name: string;
  ratio: number;
  target: string;
  pass: boolean;
  detail: string;
}

/** The size of a file. */
export const sizeOf = (path: string): number => statSync(path).size;

/**
 * Profiles one phase of a benchmark with the V8 CPU profiler when `PRECINCT_BENCH_PROFILE` names it
 * (e.g. `PRECINCT_BENCH_PROFILE=drain`), writing `<phase>.cpuprofile` to the working directory; a no-op
 * otherwise. Profiling a phase, not the whole run, keeps the baseline's samples out of the engine's.
 */
export async function profilePhase(phase: string): Promise<{ stop(): Promise<void> }> {
  if (process.env.PRECINCT_BENCH_PROFILE !== phase) return { stop: async () => {} };
  const { Session } = await import("node:inspector/promises");
  const { writeFileSync } = await import("node:fs");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return {
    async stop() {
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(`${phase}.cpuprofile`, JSON.stringify(profile));
      session.disconnect();
      console.log(`  profile of ${phase} written to ${phase}.cpuprofile`);
    },
  };
}
