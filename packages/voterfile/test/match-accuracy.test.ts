import { expect, it } from "vitest";
import {
  describeAccuracy,
  forEachDatabase,
  generators,
  loadSyntheticVoters,
  measureAccuracy,
  SIGNUP_NOISE,
} from "./match-support.js";

/**
 * Accuracy against the synthetic generator's truth: 5,000 voters (North Carolina: birth years only, more
 * households than by default) and 1,000 sign-ups with every kind of noise, 15% of them not registered.
 */
forEachDatabase("matching accuracy", (db) => {
  it("reaches precision 0.99 and recall 0.95 on noisy sign-ups", async () => {
    const { createSyntheticPopulation, generatePeople } = await generators();
    const population = createSyntheticPopulation({ seed: 20250602, voters: 5_000, householdRate: 0.08 });
    const precinct = await db().client();
    await loadSyntheticVoters(precinct, population.voters());
    const people = generatePeople(population, { seed: 7, count: 1_000, noise: { ...SIGNUP_NOISE } });
    const accuracy = await measureAccuracy(precinct, people);
    console.info(describeAccuracy(`matching accuracy [${db().name}]`, accuracy));
    expect(accuracy.precision).toBeGreaterThanOrEqual(0.99);
    expect(accuracy.recall).toBeGreaterThanOrEqual(0.95);
  }, 120_000);
});
