import type { Kysely } from "kysely";
import type { EventBus } from "../events/bus.js";
import type { SegmentRepository } from "../segments/segment-repository.js";
import type { PrecinctPlugins } from "../spec/contracts/plugins.js";
import type { Organization } from "../spec/model/organization.js";
import type { ConsentRepository } from "../storage/repositories/consent-repository.js";
import type { PersonRepository } from "../storage/repositories/person-repository.js";
import type { VoterRepository } from "../storage/repositories/voter-repository.js";
import type { Database, DialectName } from "../storage/schema.js";
import type { EmailSettings } from "./email/settings.js";

/** @internal What every part of the outreach engine shares, built once per client by `createPrecinct()`. */
export interface OutreachContext {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly organizationId: string;
  /** The organization as it is now (name, time zone, help text can change). */
  organization(): Organization;
  readonly bus: EventBus;
  readonly plugins: PrecinctPlugins;
  readonly consent: ConsentRepository;
  readonly segments: SegmentRepository;
  readonly people: PersonRepository;
  readonly voters: VoterRepository;
  /** The engine's clock; tests move it to cross quiet hours. */
  readonly clock: () => Date;
  /** Opt-outs recorded by this process, checked synchronously just before a send. */
  readonly fence: OptOutFence;
  /** Default country for numbers without a country code. */
  readonly defaultCountry: string;
  /** Email settings (unsubscribe links, default sender), when configured. */
  readonly email?: EmailSettings;
}

/**
 * The last line of defence between an opt-out and a send in one process: the consent ledger is checked
 * before every send, but a STOP handled while that check's query was in flight must still win. The fence
 * learns opt-outs (and opt-ins) from the event bus synchronously and is read with no `await` between it
 * and the provider call.
 */
export class OptOutFence {
  readonly #state = new Map<string, boolean>();

  /** Records the latest consent of a contact point (`true`: opted out). */
  set(channel: string, contactPoint: string, optedOut: boolean): void {
    this.#state.set(`${channel}:${contactPoint}`, optedOut);
  }

  /** True when this process knows the contact point opted out and has not opted in since. */
  blocks(channel: string, contactPoint: string): boolean {
    return this.#state.get(`${channel}:${contactPoint}`) === true;
  }
}
