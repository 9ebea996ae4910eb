// Imports one voter file into one database and prints the summary, the import's own wall time and the
// process's peak RSS as JSON. Plain JavaScript on the built packages, so the measured process is what a
// deployment runs (no TypeScript loader in it).
import { createPrecinct } from "@precinct/core";
import { importVoterFile } from "@precinct/voterfile";

const [file, database] = process.argv.slice(2);
if (!file || !database) throw new Error("usage: import-child <file> <database>");
// Opening (and, for a new database, migrating) happens before the clock: it is setup, not import.
const precinct = await createPrecinct({ database });
const started = performance.now();
const summary = await importVoterFile(precinct, file);
const importMs = performance.now() - started;
await precinct.close();
const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify({ ...summary, errors: summary.errors.slice(0, 5), importMs, maxRssMb }));
