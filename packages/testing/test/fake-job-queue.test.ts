import { type Job, PrecinctError, validatePlugin } from "@precinct/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFakeJobQueue } from "../src/index.js";

describe("createFakeJobQueue", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("implements the JobQueue v1 contract", () => {
    expect(() => validatePlugin("JobQueue", createFakeJobQueue())).not.toThrow();
  });

  it("runs jobs with their JSON-serialized payloads", async () => {
    const queue = createFakeJobQueue();
    const seen: Job<{ at: string; n: number }>[] = [];
    queue.process<{ at: string; n: number }>("dispatch", async (job) => {
      seen.push(job);
    });
    const { id } = await queue.add({
      name: "dispatch",
      payload: { at: new Date("2025-01-01T00:00:00Z"), n: 1 },
    });
    await queue.idle();
    expect(id).toBe("job-000001");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      id,
      name: "dispatch",
      attempt: 1,
      payload: { at: "2025-01-01T00:00:00.000Z" },
    });
    expect(queue.jobs[0]?.state).toBe("completed");
    await expect(queue.add({ name: "dispatch", payload: undefined })).rejects.toMatchObject({
      code: "invalid_input",
    });
  });

  it("respects idempotency keys", async () => {
    const queue = createFakeJobQueue();
    let runs = 0;
    queue.process("sync", async () => {
      runs += 1;
    });
    const a = await queue.add({ name: "sync", payload: {}, idempotencyKey: "daily-2025-01-01" });
    const b = await queue.add({ name: "sync", payload: {}, idempotencyKey: "daily-2025-01-01" });
    await queue.idle();
    const c = await queue.add({ name: "sync", payload: {}, idempotencyKey: "daily-2025-01-01" });
    await queue.idle();
    expect(b.id).toBe(a.id);
    expect(c.id).toBe(a.id);
    expect(runs).toBe(1);
    expect(queue.jobs).toHaveLength(1);
  });

  it("holds jobs until runAt", async () => {
    vi.useFakeTimers({ now: new Date("2025-03-01T12:00:00Z") });
    const queue = createFakeJobQueue();
    const ran: string[] = [];
    queue.process<string>("remind", async (job) => {
      ran.push(job.payload);
    });
    await queue.add({ name: "remind", payload: "later", runAt: new Date("2025-03-01T12:01:00Z") });
    await queue.add({ name: "remind", payload: "now" });
    await queue.idle();
    expect(ran).toEqual(["now"]);
    expect(await queue.size("remind")).toBe(1);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(ran).toEqual(["now"]);
    await vi.advanceTimersByTimeAsync(1_000);
    await queue.idle();
    expect(ran).toEqual(["now", "later"]);
    expect(await queue.size()).toBe(0);
  });

  it("runs at most `concurrency` jobs at once and waits for a worker", async () => {
    const queue = createFakeJobQueue();
    for (let i = 0; i < 6; i++) await queue.add({ name: "work", payload: i });
    await queue.idle();
    expect(await queue.size("work")).toBe(6);
    let active = 0;
    let peak = 0;
    queue.process(
      "work",
      async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active -= 1;
      },
      { concurrency: 2 },
    );
    await queue.idle();
    expect(peak).toBe(2);
    expect(queue.jobs.every((job) => job.state === "completed")).toBe(true);
  });

  it("marks jobs whose handler throws as failed without retrying", async () => {
    const queue = createFakeJobQueue();
    let runs = 0;
    queue.process("boom", async () => {
      runs += 1;
      throw new Error("nope");
    });
    await queue.add({ name: "boom", payload: null });
    await queue.idle();
    expect(runs).toBe(1);
    expect(queue.jobs[0]).toMatchObject({ state: "failed", error: new Error("nope") });
  });

  it("stops workers after their running jobs and refuses work once closed", async () => {
    const queue = createFakeJobQueue();
    let finished = false;
    const worker = queue.process("slow", async (job) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      finished = job.signal.aborted;
    });
    await queue.add({ name: "slow", payload: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1));
    await worker.stop();
    expect(finished).toBe(true);
    await queue.add({ name: "slow", payload: 2 });
    await queue.idle();
    expect(queue.jobs[1]?.state).toBe("waiting");
    await queue.close();
    const error = await queue.add({ name: "slow", payload: 3 }).catch((e: unknown) => e);
    expect(PrecinctError.hasCode(error, "closed")).toBe(true);
  });
});
