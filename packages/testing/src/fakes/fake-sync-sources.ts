/**
 * Honest in-memory {@link PeopleSyncV1}, {@link PetitionSourceV1} and {@link EventSourceV1}: fed from
 * arrays, paged like a real OSDI API, and writable through `push`.
 *
 * @module
 */

import type {
  EventSourceRecord,
  EventSourceV1,
  ExternalAttendance,
  ExternalPerson,
  ExternalSignature,
  OperationOptions,
  PeopleSyncV1,
  PetitionSourceRecord,
  PetitionSourceV1,
  PullOptions,
  PushItemResult,
  PushResult,
} from "@precinct/core";
import { FailureInjector, type FakeFailureControls } from "./failures.js";
import { idSequence, requirePositiveInteger, throwIfAborted } from "./util.js";

/** Which operation a sync fake's failure applies to, for `failWhen` predicates. */
export interface FakeSyncOperation {
  /** `pull` or `push`. */
  readonly operation: "pull" | "push";
}

/** Options shared by the sync-source fakes. */
export interface FakeSyncSourceOptions<TRecord> {
  /** The system name the fake reports, also the `system` part of the ids it assigns. */
  readonly provider?: string;
  /** The records the source starts with. */
  readonly records?: readonly TRecord[];
  /** Records per page, as the API would return them. Default 25 (Action Network's page size). */
  readonly pageSize?: number;
  /** The clock, for `modifiedDate` on pushed records. Default `() => new Date()`. */
  readonly now?: () => Date;
}

/** Inspection and control shared by the sync-source fakes. */
export interface FakeSyncSourceControls<TRecord, TPushed> extends FakeFailureControls<FakeSyncOperation> {
  /** The records the source holds now (fed, added and pushed), in order. */
  readonly records: readonly TRecord[];
  /** Every record pushed, in order. */
  readonly pushed: readonly TPushed[];
  /** Every `pull()` call's `since`, in order. */
  readonly pulls: readonly (Date | undefined)[];
  /** How many pages all pulls have read. */
  readonly pagesRead: number;
  /** Adds records, as if created in the external system. */
  add(...records: TRecord[]): void;
  /** Forgets pushes and pulls and restores the initial records. */
  reset(): void;
}

/** The fake people sync: the contract plus inspection and control. */
export interface FakePeopleSync extends PeopleSyncV1, FakeSyncSourceControls<ExternalPerson, ExternalPerson> {
  /** Creates or updates people; see {@link createFakePeopleSync}. */
  push(people: readonly ExternalPerson[], options?: OperationOptions): Promise<PushResult>;
}

/** The fake petition source: the contract plus inspection and control. */
export interface FakePetitionSource
  extends PetitionSourceV1,
    FakeSyncSourceControls<PetitionSourceRecord, ExternalSignature> {
  /** Records signatures; see {@link createFakePetitionSource}. */
  push(signatures: readonly ExternalSignature[], options?: OperationOptions): Promise<PushResult>;
}

/** The fake event source: the contract plus inspection and control. */
export interface FakeEventSource
  extends EventSourceV1,
    FakeSyncSourceControls<EventSourceRecord, ExternalAttendance> {
  /** Records attendances; see {@link createFakeEventSource}. */
  push(attendances: readonly ExternalAttendance[], options?: OperationOptions): Promise<PushResult>;
}

interface Dated {
  readonly identifiers: readonly string[];
  readonly createdDate?: Date;
  readonly modifiedDate?: Date;
}

function createSource<TRecord extends Dated, TPushed extends TRecord>(
  defaultProvider: string,
  options: FakeSyncSourceOptions<TRecord>,
  rank: (record: TRecord) => number,
) {
  const provider = options.provider ?? defaultProvider;
  const pageSize = requirePositiveInteger("pageSize", options.pageSize ?? 25);
  const now = options.now ?? (() => new Date());
  const initial = [...(options.records ?? [])];
  const records: TRecord[] = [...initial];
  const pushed: TPushed[] = [];
  const pulls: (Date | undefined)[] = [];
  const failures = new FailureInjector<FakeSyncOperation>(provider);
  const ids = idSequence(`${provider}:`);
  let pagesRead = 0;

  async function* pull(since?: Date, pullOptions?: PullOptions): AsyncGenerator<TRecord> {
    pulls.push(since);
    const size = pullOptions?.pageSize ?? pageSize;
    // Snapshot and order: containers (petitions, events) before what references them.
    const matching = records
      .map((record, index) => ({ record, index }))
      .filter(({ record }) => {
        const changed = record.modifiedDate ?? record.createdDate;
        return since === undefined || changed === undefined || changed >= since;
      })
      .sort((a, b) => rank(a.record) - rank(b.record) || a.index - b.index)
      .map(({ record }) => record);
    for (let offset = 0; offset === 0 || offset < matching.length; offset += size) {
      throwIfAborted(pullOptions?.signal);
      const error = failures.take({ operation: "pull" });
      if (error !== undefined) throw error;
      // A page is a round trip: yield to the event loop as a real client would.
      await Promise.resolve();
      pagesRead += 1;
      yield* matching.slice(offset, offset + size);
    }
  }

  async function push(items: readonly TPushed[], signal?: AbortSignal): Promise<PushResult> {
    throwIfAborted(signal);
    const error = failures.take({ operation: "push" });
    if (error !== undefined) throw error;
    const results = items.map((item): PushItemResult => {
      pushed.push(item);
      const own = item.identifiers.find((id) => id.startsWith(`${provider}:`));
      const identifiers = own === undefined ? [...item.identifiers, ids.next()] : [...item.identifiers];
      const stored = { ...item, identifiers, modifiedDate: now() } as TRecord;
      const index = own === undefined ? -1 : records.findIndex((r) => r.identifiers.includes(own));
      if (index >= 0) records[index] = stored;
      else records.push(stored);
      return { status: index >= 0 ? "updated" : "created", identifiers };
    });
    return { results };
  }

  const controls = {
    provider,
    records,
    pushed,
    pulls,
    get pagesRead() {
      return pagesRead;
    },
    add: (...more: TRecord[]) => {
      records.push(...more);
    },
    failNext: failures.failNext.bind(failures),
    failWhen: failures.failWhen.bind(failures),
    reset() {
      records.splice(0, records.length, ...initial);
      pushed.length = 0;
      pulls.length = 0;
      pagesRead = 0;
      failures.reset();
      ids.reset();
    },
  };
  return { pull, push, controls };
}

/**
 * Creates a fake people sync fed from `records`. `pull(since)` yields people whose `modifiedDate` (else
 * `createdDate`) is at or after `since`, and undated people always, in pages of `pageSize`. `push` stores
 * people: one carrying an identifier of this system (`fake-crm:…`) updates that record, others are
 * created and given one (`fake-crm:000001`).
 */
export function createFakePeopleSync(options: FakeSyncSourceOptions<ExternalPerson> = {}): FakePeopleSync {
  const source = createSource<ExternalPerson, ExternalPerson>("fake-crm", options, () => 0);
  const fake: FakePeopleSync = {
    specificationVersion: "v1",
    ...source.controls,
    get pagesRead() {
      return source.controls.pagesRead;
    },
    pull: (since, pullOptions) => source.pull(since, pullOptions),
    push: (people, pushOptions) => source.push(people, pushOptions?.signal),
  };
  return fake;
}

/**
 * Creates a fake petition source fed from petitions and signatures. Pulls yield petitions before
 * signatures; otherwise it behaves as {@link createFakePeopleSync}, with `push` storing signatures.
 */
export function createFakePetitionSource(
  options: FakeSyncSourceOptions<PetitionSourceRecord> = {},
): FakePetitionSource {
  const source = createSource<PetitionSourceRecord, ExternalSignature>("fake-petitions", options, (r) =>
    r.type === "petition" ? 0 : 1,
  );
  const fake: FakePetitionSource = {
    specificationVersion: "v1",
    ...source.controls,
    get pagesRead() {
      return source.controls.pagesRead;
    },
    pull: (since, pullOptions) => source.pull(since, pullOptions),
    push: (signatures, pushOptions) => source.push(signatures, pushOptions?.signal),
  };
  return fake;
}

/**
 * Creates a fake event source fed from events and attendances. Pulls yield events before attendances;
 * otherwise it behaves as {@link createFakePeopleSync}, with `push` storing attendances.
 */
export function createFakeEventSource(
  options: FakeSyncSourceOptions<EventSourceRecord> = {},
): FakeEventSource {
  const source = createSource<EventSourceRecord, ExternalAttendance>("fake-events", options, (r) =>
    r.type === "event" ? 0 : 1,
  );
  const fake: FakeEventSource = {
    specificationVersion: "v1",
    ...source.controls,
    get pagesRead() {
      return source.controls.pagesRead;
    },
    pull: (since, pullOptions) => source.pull(since, pullOptions),
    push: (attendances, pushOptions) => source.push(attendances, pushOptions?.signal),
  };
  return fake;
}
