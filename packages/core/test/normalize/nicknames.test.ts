import { describe, expect, it } from "vitest";
import {
  areNicknameEquivalent,
  NICKNAME_GROUPS,
  nameMatchKey,
  nicknameGroup,
} from "../../src/normalize/index.js";
import { expectInvalid } from "./expect-invalid.js";

describe("NICKNAME_GROUPS", () => {
  it("covers at least 150 name groups, each with a formal name and at least one variant", () => {
    expect(NICKNAME_GROUPS.length).toBeGreaterThanOrEqual(150);
    for (const group of NICKNAME_GROUPS) expect(group.length).toBeGreaterThanOrEqual(2);
  });

  it("has no name twice in one group", () => {
    for (const group of NICKNAME_GROUPS) {
      const keys = group.map((name) => nameMatchKey(name));
      expect(new Set(keys).size, group.join("/")).toBe(keys.length);
    }
  });

  it("has no two groups with the same formal name", () => {
    const formal = NICKNAME_GROUPS.map((group) => nameMatchKey(group[0]!));
    expect(new Set(formal).size).toBe(formal.length);
  });
});

describe("areNicknameEquivalent", () => {
  it.each([
    ["William", "Bill"],
    ["WILLIAM", "billy"],
    ["Will", "Liam"],
    ["Elizabeth", "Liz"],
    ["Beth", "Betsy"],
    ["Eliza", "Lisa"],
    ["Robert", "Bob"],
    ["Rob", "Bobby"],
    ["Margaret", "Peggy"],
    ["Maggie", "Meg"],
    ["Katherine", "Kate"],
    ["Catherine", "Kathy"],
    ["Katie", "Cathy"],
    ["James", "Jim"],
    ["Jimmy", "Jamie"],
    ["Richard", "Dick"],
    ["Rick", "Richard"],
    ["José", "Pepe"],
    ["JOSE", "josé"],
    ["Francisco", "Paco"],
    ["Pancho", "Francisco"],
    ["Al", "Albert"],
    ["Al", "Alfred"],
  ])("%j ≈ %j", (a, b) => {
    expect(areNicknameEquivalent(a, b)).toBe(true);
    expect(areNicknameEquivalent(b, a)).toBe(true);
  });

  it.each([
    ["William", "Robert"],
    ["Bob", "Bill"],
    ["Albert", "Alfred"],
    ["Katherine", "Margaret"],
    ["Zephyrine", "Bill"],
  ])("%j ≉ %j", (a, b) => {
    expect(areNicknameEquivalent(a, b)).toBe(false);
    expect(areNicknameEquivalent(b, a)).toBe(false);
  });

  it("treats every name, even one not in the table, as equivalent to itself", () => {
    expect(areNicknameEquivalent("Zephyrine", "ZEPHYRINE")).toBe(true);
    expect(areNicknameEquivalent("Bill", "Bill")).toBe(true);
  });

  it("never matches a name without letters", () => {
    expect(areNicknameEquivalent("", "")).toBe(false);
    expect(areNicknameEquivalent("Bill", " ")).toBe(false);
  });

  it("rejects non-strings", () => {
    expectInvalid(() => areNicknameEquivalent("Bill", undefined as unknown as string), "b", undefined);
  });
});

describe("nicknameGroup", () => {
  it("returns every equivalent match key, sorted", () => {
    expect(nicknameGroup("Bill")).toEqual(["bill", "billy", "liam", "will", "william", "willie", "willy"]);
  });

  it("joins every group a nickname belongs to", () => {
    const al = nicknameGroup("AL");
    expect(al).toEqual(expect.arrayContaining(["al", "albert", "alfred", "alan", "alexander"]));
    expect(al).toEqual([...al].sort());
  });

  it("returns the name's own key when it is not in the table, and nothing for a blank", () => {
    expect(nicknameGroup("Zéphyrine")).toEqual(["zephyrine"]);
    expect(nicknameGroup(" ")).toEqual([]);
  });

  it("is consistent with areNicknameEquivalent", () => {
    for (const key of nicknameGroup("Margaret")) expect(areNicknameEquivalent("Margaret", key)).toBe(true);
  });
});
