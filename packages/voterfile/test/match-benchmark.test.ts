import { existsSync } from "node:fs";
import { createPrecinct, type Precinct } from "@precinct/core";
import { describe, expect, it } from "vitest";
import {
  describeAccuracy,
  forEachDatabase,
  generators,
  loadSyntheticVoters,
  measureAccuracy,
  SIGNUP_NOISE,
} from "./match-support.js";

/**
 * The matching benchmark, off by default: `PRECINCT_MATCH_BENCHMARK=1000000x100000` matches 100,000
 * generated sign-ups against 1,000,000 generated voters on each database and prints precision, recall and
 * throughput. `PRECINCT_MATCH_BENCHMARK_DB=/tmp/bench.db` keeps the SQLite voter file between runs
 * (loading a million voters takes minutes); `PRECINCT_MATCH_BENCHMARK_NOISE` overrides the noise rates
 * (JSON, e.g. `{"moved":0.2}`).
 */
const setting = process.env.PRECINCT_MATCH_BENCHMARK;
const [voters, people] = (setting ?? "0x0").split("x").map(Number) as [number, number];

if (!setting) {
  describe.skip("matching benchmark (set PRECINCT_MATCH_BENCHMARK=<voters>x<people> to run)", () => {
    it("matches generated people against generated voters", () => {});
  });
} else {
  forEachDatabase("matching benchmark", (db) => {
    it(`matches ${people} people against ${voters} voters`, async () => {
      const { createSyntheticPopulation, generatePeople } = await generators();
      const population = createSyntheticPopulation({ seed: 11, voters });
      const path = process.env.PRECINCT_MATCH_BENCHMARK_DB;
      let precinct: Precinct;
      const started = performance.now();
      if (path && db().name === "sqlite") {
        const fresh = !existsSync(path);
        precinct = await createPrecinct({ database: path });
        if (fresh) await loadSyntheticVoters(precinct, population.voters());
      } else {
        precinct = await db().client();
        await loadSyntheticVoters(precinct, population.voters());
      }
      console.info(
        `matching benchmark [${db().name}]: voters ready in ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
      const noise = { ...SIGNUP_NOISE, ...JSON.parse(process.env.PRECINCT_MATCH_BENCHMARK_NOISE ?? "{}") };
      const accuracy = await measureAccuracy(
        precinct,
        generatePeople(population, { seed: 5, count: people, noise }),
      );
      console.info(describeAccuracy(`matching benchmark [${db().name}] ${voters} voters`, accuracy));
      if (path && db().name === "sqlite") await precinct.close();
      expect(accuracy.precision).toBeGreaterThanOrEqual(0.99);
    }, 3_600_000);
  });
}
