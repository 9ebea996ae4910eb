import { describe, expect, it } from "vitest";
import { smsSegments } from "../../src/spec/contracts/index.js";

describe("smsSegments — GSM-7", () => {
  it("fits 160 characters in one segment and splits 161 into two", () => {
    expect(smsSegments("a".repeat(160))).toEqual({
      encoding: "GSM-7",
      segments: 1,
      characters: 160,
      perSegment: 160,
      remaining: 0,
    });
    expect(smsSegments("a".repeat(161))).toEqual({
      encoding: "GSM-7",
      segments: 2,
      characters: 161,
      perSegment: 153,
      remaining: 145,
    });
  });

  it("puts 153 characters in each part of a split message", () => {
    expect(smsSegments("a".repeat(306)).segments).toBe(2);
    expect(smsSegments("a".repeat(307)).segments).toBe(3);
    expect(smsSegments("a".repeat(459)).segments).toBe(3);
    expect(smsSegments("a".repeat(460)).segments).toBe(4);
  });

  it("counts an empty body as one segment", () => {
    expect(smsSegments("")).toMatchObject({ encoding: "GSM-7", segments: 1, characters: 0 });
  });

  it("accepts the whole GSM basic alphabet, including accented letters, Greek capitals and newlines", () => {
    const basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./09:;<=>?¡AZÄÖÑÜ§¿azäöñüà";
    expect(smsSegments(basic)).toMatchObject({ encoding: "GSM-7", characters: [...basic].length });
  });

  it("counts each extension character €[]{}\\^~| and form feed as two septets", () => {
    for (const char of ["€", "[", "]", "{", "}", "\\", "^", "~", "|", "\f"]) {
      expect(smsSegments(char)).toMatchObject({ encoding: "GSM-7", characters: 2 });
    }
    expect(smsSegments("€".repeat(80))).toMatchObject({ segments: 1, characters: 160 });
    expect(smsSegments("€".repeat(81))).toMatchObject({ segments: 2, characters: 162 });
    expect(smsSegments(`${"a".repeat(159)}€`).segments).toBe(2);
  });

  it("never splits an escape pair across segments", () => {
    // 152 septets + "€" (2) would straddle the 153 boundary, so "€" moves to the next part.
    const body = `${"a".repeat(152)}€${"a".repeat(10)}`;
    expect(smsSegments(body)).toMatchObject({ segments: 2, characters: 164, remaining: 153 - 12 });
  });
});

describe("smsSegments — UCS-2", () => {
  it("switches the whole message to UCS-2 for one emoji", () => {
    expect(smsSegments("Hi 👋")).toEqual({
      encoding: "UCS-2",
      segments: 1,
      characters: 5,
      perSegment: 70,
      remaining: 65,
    });
  });

  it("switches for characters outside GSM such as curly quotes, accents and non-Latin scripts", () => {
    expect(smsSegments("It’s time").encoding).toBe("UCS-2");
    expect(smsSegments("ç").encoding).toBe("UCS-2");
    expect(smsSegments("Vota el 5 de noviembre — ¡sí!").encoding).toBe("UCS-2");
    expect(smsSegments("投票").encoding).toBe("UCS-2");
  });

  it("fits 70 units in one segment and 67 per part when split", () => {
    expect(smsSegments(`${"a".repeat(69)}ş`)).toMatchObject({ segments: 1, characters: 70, remaining: 0 });
    expect(smsSegments(`${"a".repeat(70)}ş`)).toMatchObject({ segments: 2, characters: 71, perSegment: 67 });
    expect(smsSegments(`${"a".repeat(133)}ş`).segments).toBe(2);
    expect(smsSegments(`${"a".repeat(134)}ş`).segments).toBe(3);
  });

  it("counts a surrogate pair as two UCS-2 units", () => {
    expect(smsSegments("😀").characters).toBe(2);
    expect(smsSegments("😀".repeat(35))).toMatchObject({ segments: 1, characters: 70 });
    expect(smsSegments("😀".repeat(36))).toMatchObject({ segments: 2, characters: 72 });
  });

  it("never splits a surrogate pair across segments", () => {
    // 66 units + an emoji (2) would straddle the 67 boundary, so the emoji moves to the next part.
    const body = `${"a".repeat(66)}😀${"a".repeat(10)}`;
    expect(smsSegments(body)).toMatchObject({ segments: 2, characters: 78, remaining: 67 - 12 });
  });

  it("counts GSM extension characters as one unit once the message is UCS-2", () => {
    expect(smsSegments("€😀")).toMatchObject({ encoding: "UCS-2", characters: 3 });
  });
});
