import { describe, expect, it } from "vitest";
import {
  isMessageStatus,
  isStatusAdvance,
  isTerminalMessageStatus,
  MESSAGE_STATUS_ORDER,
  MESSAGE_STATUSES,
  type MessageStatus,
} from "../../src/spec/contracts/index.js";

describe("isStatusAdvance", () => {
  it("moves an outbound message forward through its lifecycle", () => {
    const path: MessageStatus[] = ["scheduled", "accepted", "queued", "sending", "sent", "delivered", "read"];
    for (let i = 1; i < path.length; i++) {
      expect(isStatusAdvance(path[i - 1]!, path[i]!)).toBe(true);
    }
    expect(isStatusAdvance("queued", "delivered")).toBe(true);
    expect(isStatusAdvance("sent", "undelivered")).toBe(true);
    expect(isStatusAdvance("sending", "failed")).toBe(true);
    expect(isStatusAdvance("scheduled", "canceled")).toBe(true);
    expect(isStatusAdvance("receiving", "received")).toBe(true);
  });

  it("never moves a message backwards when callbacks arrive out of order", () => {
    expect(isStatusAdvance("sent", "queued")).toBe(false);
    expect(isStatusAdvance("sent", "sending")).toBe(false);
    expect(isStatusAdvance("queued", "accepted")).toBe(false);
    expect(isStatusAdvance("received", "receiving")).toBe(false);
  });

  it("treats a repeated status as no change", () => {
    for (const status of MESSAGE_STATUSES) expect(isStatusAdvance(status, status)).toBe(false);
  });

  it("never leaves a terminal status, except delivered → read", () => {
    expect(isStatusAdvance("delivered", "sent")).toBe(false);
    expect(isStatusAdvance("delivered", "failed")).toBe(false);
    expect(isStatusAdvance("failed", "delivered")).toBe(false);
    expect(isStatusAdvance("undelivered", "delivered")).toBe(false);
    expect(isStatusAdvance("canceled", "sent")).toBe(false);
    expect(isStatusAdvance("failed", "read")).toBe(false);
    expect(isStatusAdvance("read", "delivered")).toBe(false);
    expect(isStatusAdvance("delivered", "read")).toBe(true);
    for (const to of MESSAGE_STATUSES) expect(isStatusAdvance("read", to)).toBe(false);
  });

  it("is antisymmetric: two statuses never advance into each other", () => {
    for (const a of MESSAGE_STATUSES) {
      for (const b of MESSAGE_STATUSES) {
        expect(isStatusAdvance(a, b) && isStatusAdvance(b, a)).toBe(false);
      }
    }
  });

  it("orders every status and recognises only known ones", () => {
    expect(Object.keys(MESSAGE_STATUS_ORDER).sort()).toEqual([...MESSAGE_STATUSES].sort());
    expect(MESSAGE_STATUSES).toHaveLength(12);
    expect(isMessageStatus("delivered")).toBe(true);
    expect(isMessageStatus("DELIVERED")).toBe(false);
    expect(isMessageStatus("toString")).toBe(false);
    expect(isMessageStatus(3)).toBe(false);
    expect(isTerminalMessageStatus("sent")).toBe(false);
    expect(isTerminalMessageStatus("canceled")).toBe(true);
  });
});
