import { describe, expect, it } from "vitest";
import { adjustRatio, linesToDial, overdialBudget } from "../../src/index.js";

describe("predictive pacing", () => {
  it("allows extra lines only while even all of them abandoned would keep the rate within the cap", () => {
    expect(overdialBudget({ answered: 0, abandoned: 0 }, 0.03)).toBe(0);
    expect(overdialBudget({ answered: 33, abandoned: 0 }, 0.03)).toBe(1);
    expect(overdialBudget({ answered: 1000, abandoned: 10 }, 0.03)).toBe(20);
    expect(overdialBudget({ answered: 100, abandoned: 3 }, 0.03)).toBe(0);
    // The bound is tight: k extra lines all abandoned give (A + k) / (H + k) <= cap, and k + 1 would not.
    for (const [answered, abandoned] of [
      [500, 4],
      [2000, 51],
      [77, 1],
    ] as const) {
      const k = overdialBudget({ answered, abandoned }, 0.03);
      expect((abandoned + k) / (answered + k)).toBeLessThanOrEqual(0.03);
      expect((abandoned + k + 1) / (answered + k + 1)).toBeGreaterThan(0.03);
    }
  });

  it("dials ratio × free volunteers at most, within the budget, minus the lines already ringing", () => {
    const stats = { answered: 1000, abandoned: 10 };
    expect(linesToDial({ freeVolunteers: 0, linesInFlight: 0, ratio: 2, stats, cap: 0.03 })).toBe(0);
    expect(linesToDial({ freeVolunteers: 5, linesInFlight: 0, ratio: 2, stats, cap: 0.03 })).toBe(10);
    expect(linesToDial({ freeVolunteers: 5, linesInFlight: 7, ratio: 2, stats, cap: 0.03 })).toBe(3);
    expect(linesToDial({ freeVolunteers: 20, linesInFlight: 0, ratio: 3, stats, cap: 0.03 })).toBe(40);
    // Nothing answered yet: one line per free volunteer, whatever the ratio.
    const fresh = { answered: 0, abandoned: 0 };
    expect(linesToDial({ freeVolunteers: 4, linesInFlight: 0, ratio: 3, stats: fresh, cap: 0.03 })).toBe(4);
  });

  it("lowers the ratio fast above the target and raises it slowly toward one answer per free volunteer", () => {
    const bounds = { maxRatio: 3, target: 0.02 };
    expect(adjustRatio(2, { rate: 0.025, answerRate: 0.3 }, bounds)).toBe(1.75);
    expect(adjustRatio(1.1, { rate: 0.05, answerRate: 0.3 }, bounds)).toBe(1);
    expect(adjustRatio(1.5, { rate: 0.01, answerRate: 0.3 }, bounds)).toBe(1.55);
    // Never past 1 / answer rate (here 2), nor past maxRatio.
    expect(adjustRatio(2, { rate: 0, answerRate: 0.5 }, bounds)).toBe(2);
    expect(adjustRatio(3, { rate: 0, answerRate: null }, bounds)).toBe(3);
  });
});
