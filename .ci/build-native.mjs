// Builds the native addons of the workspace (better-sqlite3) for the Node that runs the workspace's scripts.
//
// Why this exists: the machines Precinct is developed on have Node 20 system-wide, while the workspace runs
// its scripts on Node 24 from the npm registry's `node` package. pnpm would build better-sqlite3 during
// install, possibly before that Node is in place and against the system's Node 20 headers (or try to
// download headers, which fails offline). This script runs from the root `postinstall`, i.e. on Node 24,
// after every package is in place, and points node-gyp at the headers shipped inside the `node` package.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const root = dirname(dirname(new URL(import.meta.url).pathname));
const store = join(root, "node_modules", ".pnpm");
const addons = existsSync(store)
  ? readdirSync(store)
      .filter((name) => name.startsWith("better-sqlite3@"))
      .map((name) => join(store, name, "node_modules", "better-sqlite3"))
  : [];

const loads = (dir) =>
  spawnSync(process.execPath, ["-e", `new (require(${JSON.stringify(dir)}))(":memory:").close()`], {
    stdio: "ignore",
  }).status === 0;

const home = dirname(dirname(process.execPath));
const nodedir = existsSync(join(home, "include", "node", "node_api.h")) ? home : undefined;
const require = createRequire(import.meta.url);
const nodeGyp = require.resolve("node-gyp/bin/node-gyp.js");

for (const dir of addons) {
  if (loads(dir)) continue;
  console.log(
    `precinct: building better-sqlite3 for Node ${process.version} (takes a few minutes) in ${dir}`,
  );
  const args = [nodeGyp, "rebuild", "--release", "--jobs=max"];
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const env = { ...process.env };
  if (nodedir) env.npm_config_nodedir = nodedir;
  const result = spawnSync(process.execPath, args, { cwd: dir, stdio: "inherit", env });
  if (result.status !== 0 || !loads(dir)) {
    console.error(`precinct: could not build better-sqlite3 in ${dir} for Node ${process.version}.`);
    process.exit(1);
  }
}
