/**
 * The `JobQueue` contract: background work (dispatching the outbox, imports, syncs) in-process or on a
 * durable queue shared by many workers.
 *
 * @module
 */

/**
 * A job to enqueue. `payload` must survive JSON serialization (no `Date`, `Map`, class instances, or
 * functions): durable queues store it as JSON, so pass ISO strings and plain objects.
 */
export interface NewJob<TPayload = unknown> {
  /** The job's kind; {@link JobQueueV1.process} registers a handler per name (`outbox.dispatch`). */
  readonly name: string;
  /** The job's data, JSON-serializable. */
  readonly payload: TPayload;
  /** Do not start before this time. Absent: as soon as a worker is free. */
  readonly runAt?: Date;
  /**
   * While a job with this key is known to the queue (waiting, running or retained after completion),
   * adding another returns the existing job's id and enqueues nothing. To retry on purpose, use a new key.
   */
  readonly idempotencyKey?: string;
}

/** A job as its handler receives it. */
export interface Job<TPayload = unknown> {
  /** The queue's id for the job. */
  readonly id: string;
  /** The job's kind. */
  readonly name: string;
  /** The job's data, as deserialized from JSON. */
  readonly payload: TPayload;
  /** Which run this is, starting at 1; above 1 only on queues that retry on their own. */
  readonly attempt: number;
  /** The idempotency key the job was added with. */
  readonly idempotencyKey?: string;
  /** Aborts when the queue is stopping; long handlers should check it and finish early. */
  readonly signal: AbortSignal;
}

/** Runs one job. A handler that throws marks the job failed (v1 queues need not retry on their own). */
export type JobHandler<TPayload = unknown> = (job: Job<TPayload>) => Promise<void>;

/** Options for {@link JobQueueV1.process}. */
export interface ProcessOptions {
  /** How many jobs of this name run at once in this process. Default 1. */
  readonly concurrency?: number;
}

/** A running worker, as returned by {@link JobQueueV1.process}. */
export interface JobWorker {
  /** Stops taking jobs and resolves once the jobs already running have finished. */
  stop(): Promise<void>;
}

/**
 * Version 1 of the job queue contract.
 *
 * **Required:** `specificationVersion`, `provider`, `add()`, `process()`.
 *
 * **Optional capabilities:** `size` (backlog metrics), `close` (release connections and timers on
 * shutdown). Precinct ships an in-process queue on p-queue as the default; a durable queue (on
 * PostgreSQL, Redis, ...) implements this contract for many workers.
 *
 * **Versioning:** a breaking change adds `JobQueueV2` beside this interface; this one stays exported and
 * supported, and {@link JobQueue} names the union of supported versions.
 */
export interface JobQueueV1 {
  /** The contract version this object implements. */
  readonly specificationVersion: "v1";
  /** The implementation's name (`memory`, `pg-boss`). */
  readonly provider: string;
  /** Enqueues a job. Rejects with a `PrecinctError` code `closed` after {@link JobQueueV1.close}. */
  add<TPayload>(job: NewJob<TPayload>): Promise<{ readonly id: string }>;
  /** Registers a handler for jobs named `name` and starts running them. */
  process<TPayload>(name: string, handler: JobHandler<TPayload>, options?: ProcessOptions): JobWorker;
  /** Counts jobs waiting or running, for one name or all. */
  size?(name?: string): Promise<number>;
  /** Stops every worker (waiting for running jobs) and releases resources. */
  close?(): Promise<void>;
}

/** A job queue of any supported contract version. Currently only {@link JobQueueV1}. */
export type JobQueue = JobQueueV1;
