/**
 * An in-process {@link JobQueueV1} for tests: honours `runAt` (with real or fake timers), idempotency
 * keys and per-worker concurrency, serializes payloads as a durable queue would, and lets a test wait
 * until the queue is idle.
 *
 * @module
 */

import {
  InvalidInputError,
  type Job,
  type JobHandler,
  type JobQueueV1,
  type JobWorker,
  type NewJob,
  PrecinctError,
} from "@precinct/core";
import { idSequence, requirePositiveInteger, requireString } from "./util.js";

/** Options for {@link createFakeJobQueue}. */
export interface FakeJobQueueOptions {
  /** The implementation name the fake reports. Default `fake-jobs`. */
  readonly provider?: string;
}

/** Where a job stands. */
export type FakeJobState = "waiting" | "active" | "completed" | "failed";

/** A job the fake holds. */
export interface FakeJobRecord {
  /** The job's id (`job-000001`). */
  readonly id: string;
  /** The job's kind. */
  readonly name: string;
  /** The payload after a JSON round trip, as the handler receives it. */
  readonly payload: unknown;
  /** Not before this time. */
  readonly runAt?: Date;
  /** The key it was added with. */
  readonly idempotencyKey?: string;
  /** Where it stands. */
  readonly state: FakeJobState;
  /** What the handler threw, for `failed` jobs. */
  readonly error?: unknown;
}

/** The fake job queue: the contract, with every optional capability, plus inspection. */
export interface FakeJobQueue extends JobQueueV1 {
  /** Every job added (not idempotent repeats), in order, with its current state. */
  readonly jobs: readonly FakeJobRecord[];
  /** Counts jobs waiting or running, for one name or all. */
  size(name?: string): Promise<number>;
  /** Stops every worker, cancels timers and refuses further `add()` calls. */
  close(): Promise<void>;
  /**
   * Resolves when no job is running and no job that is due has a worker able to take it. Jobs scheduled in
   * the future and jobs with no registered worker do not keep the queue busy.
   */
  idle(): Promise<void>;
}

interface Worker {
  readonly name: string;
  readonly handler: JobHandler<unknown>;
  readonly concurrency: number;
  readonly controller: AbortController;
  readonly running: Set<Promise<void>>;
  stopped: boolean;
}

/**
 * Creates an in-process job queue. Handlers run asynchronously after `add()`; a handler that throws marks
 * its job `failed` (no automatic retry). Payloads go through `JSON.stringify`/`JSON.parse`, so a `Date` in
 * a payload arrives as a string, exactly as with a durable queue.
 *
 * @example
 * ```ts
 * const queue = createFakeJobQueue();
 * queue.process("outbox.dispatch", async (job) => { ... }, { concurrency: 2 });
 * await queue.add({ name: "outbox.dispatch", payload: { messageId: "m1" }, idempotencyKey: "m1" });
 * await queue.idle();
 * ```
 */
export function createFakeJobQueue(options: FakeJobQueueOptions = {}): FakeJobQueue {
  const provider = options.provider ?? "fake-jobs";
  const ids = idSequence("job-");
  const jobs: FakeJobRecord[] = [];
  const byKey = new Map<string, string>();
  const workers = new Set<Worker>();
  let idleWaiters: (() => void)[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const isDue = (job: FakeJobRecord) => job.runAt === undefined || job.runAt.getTime() <= Date.now();

  const setState = (id: string, change: Partial<FakeJobRecord>) => {
    const index = jobs.findIndex((job) => job.id === id);
    const job = jobs[index];
    if (job !== undefined) jobs[index] = { ...job, ...change };
  };

  const freeWorker = (name: string): Worker | undefined => {
    for (const worker of workers) {
      if (!worker.stopped && worker.name === name && worker.running.size < worker.concurrency) return worker;
    }
    return undefined;
  };

  const isIdle = () =>
    !jobs.some(
      (job) => job.state === "active" || (job.state === "waiting" && isDue(job) && freeWorker(job.name)),
    );

  const settleIdle = () => {
    if (!isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const run = (job: FakeJobRecord, worker: Worker) => {
    setState(job.id, { state: "active" });
    const view: Job<unknown> = {
      id: job.id,
      name: job.name,
      payload: job.payload,
      attempt: 1,
      ...(job.idempotencyKey !== undefined ? { idempotencyKey: job.idempotencyKey } : {}),
      signal: worker.controller.signal,
    };
    const task = Promise.resolve()
      .then(() => worker.handler(view))
      .then(
        () => setState(job.id, { state: "completed" }),
        (error: unknown) => setState(job.id, { state: "failed", error }),
      )
      .finally(() => {
        worker.running.delete(task);
        pump();
      });
    worker.running.add(task);
  };

  const pump = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (closed) return settleIdle();
    const waiting = jobs
      .filter((job) => job.state === "waiting")
      .sort((a, b) => (a.runAt?.getTime() ?? 0) - (b.runAt?.getTime() ?? 0));
    let nextRunAt: number | undefined;
    for (const job of waiting) {
      if (!isDue(job)) {
        const at = job.runAt?.getTime() ?? 0;
        nextRunAt = nextRunAt === undefined ? at : Math.min(nextRunAt, at);
        continue;
      }
      const worker = freeWorker(job.name);
      if (worker !== undefined) run(job, worker);
    }
    if (nextRunAt !== undefined) timer = setTimeout(pump, Math.max(0, nextRunAt - Date.now()));
    settleIdle();
  };

  const stopWorker = async (worker: Worker) => {
    worker.stopped = true;
    worker.controller.abort(new PrecinctError({ code: "closed", message: `${provider}: worker stopped.` }));
    while (worker.running.size > 0) await Promise.allSettled([...worker.running]);
    workers.delete(worker);
    pump();
  };

  return {
    specificationVersion: "v1",
    provider,
    jobs,

    async add<TPayload>(job: NewJob<TPayload>) {
      if (closed) throw new PrecinctError({ code: "closed", message: `${provider}: the queue is closed.` });
      const name = requireString("name", job.name);
      if (job.runAt !== undefined && !(job.runAt instanceof Date && !Number.isNaN(job.runAt.getTime()))) {
        throw new InvalidInputError({ field: "runAt", value: job.runAt, reason: "must be a valid Date" });
      }
      if (job.idempotencyKey !== undefined) {
        const existing = byKey.get(job.idempotencyKey);
        if (existing !== undefined) return { id: existing };
      }
      const serialized = JSON.stringify(job.payload);
      if (serialized === undefined) {
        throw new InvalidInputError({
          field: "payload",
          value: job.payload,
          reason: "must be JSON-serializable",
        });
      }
      const record: FakeJobRecord = {
        id: ids.next(),
        name,
        payload: JSON.parse(serialized) as unknown,
        ...(job.runAt !== undefined ? { runAt: job.runAt } : {}),
        ...(job.idempotencyKey !== undefined ? { idempotencyKey: job.idempotencyKey } : {}),
        state: "waiting",
      };
      jobs.push(record);
      if (job.idempotencyKey !== undefined) byKey.set(job.idempotencyKey, record.id);
      pump();
      return { id: record.id };
    },

    process<TPayload>(
      name: string,
      handler: JobHandler<TPayload>,
      processOptions: { concurrency?: number } = {},
    ) {
      if (closed) throw new PrecinctError({ code: "closed", message: `${provider}: the queue is closed.` });
      const worker: Worker = {
        name: requireString("name", name),
        handler: handler as JobHandler<unknown>,
        concurrency: requirePositiveInteger("concurrency", processOptions.concurrency ?? 1),
        controller: new AbortController(),
        running: new Set(),
        stopped: false,
      };
      workers.add(worker);
      pump();
      const stop: JobWorker = { stop: () => stopWorker(worker) };
      return stop;
    },

    async size(name) {
      return jobs.filter(
        (job) =>
          (job.state === "waiting" || job.state === "active") && (name === undefined || job.name === name),
      ).length;
    },

    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await Promise.all([...workers].map(stopWorker));
      settleIdle();
    },

    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        pump();
      });
    },
  };
}
