/** Bulk loads tell a repeated voter's last row by the greatest id: ids must increase as text, even in a burst. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { orderedId } from "../src/import/ids.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function increasing(ids: string[]): boolean {
  return ids.every((id, index) => index === 0 || id > (ids[index - 1] as string));
}

describe("orderedId", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("makes unique version-7 UUIDs that increase as text", () => {
    const ids = Array.from({ length: 5_000 }, () => orderedId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(increasing(ids)).toBe(true);
  });

  it("keeps increasing past 4,096 ids in one millisecond, and when the clock steps back", () => {
    const now = Date.now() + 60_000;
    const clock = vi.spyOn(Date, "now").mockReturnValue(now);
    const burst = Array.from({ length: 10_000 }, () => orderedId());
    clock.mockReturnValue(now - 5_000);
    const after = Array.from({ length: 100 }, () => orderedId());
    const ids = [...burst, ...after];
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(increasing(ids)).toBe(true);
  });
});
