import { PhoneBankService } from "./dialer/phonebank-service.js";
import type { PhoneBankOptions } from "./dialer/types.js";
import { EventBus } from "./events/bus.js";
import { type CampaignOptions, CampaignService } from "./outreach/campaigns.js";
import { OptOutFence, type OutreachContext } from "./outreach/context.js";
import { Dispatcher, type DispatcherOptions } from "./outreach/dispatcher.js";
import { EmailEvents } from "./outreach/email/events.js";
import { type EmailSettings, validEmailSettings } from "./outreach/email/settings.js";
import type { InboundResult, StatusResult } from "./outreach/inbound.js";
import { InboundHandler, type InboundOptions } from "./outreach/inbound.js";
import { OutboxReader } from "./outreach/outbox-reader.js";
import { PeerToPeer } from "./outreach/p2p.js";
import { SegmentRepository } from "./segments/segment-repository.js";
import { type PrecinctPlugins, validatePlugins } from "./spec/contracts/index.js";
import type { InboundSms, StatusUpdate } from "./spec/contracts/sms-transport.js";
import { ConfigError, PrecinctError } from "./spec/errors.js";
import type { PrecinctEventName } from "./spec/events.js";
import type { Organization, OrganizationInput } from "./spec/model/organization.js";
import { type DatabaseOption, openStorage, type Storage } from "./storage/connection.js";
import { entitySpecs } from "./storage/entities.js";
import { ConsentRepository } from "./storage/repositories/consent-repository.js";
import { EntityRepository } from "./storage/repositories/entity-repository.js";
import { ListRepository } from "./storage/repositories/list-repository.js";
import { OrganizationStore } from "./storage/repositories/organization-repository.js";
import { PersonRepository } from "./storage/repositories/person-repository.js";
import { VoterRepository } from "./storage/repositories/voter-repository.js";
import { WebhookRouter, type WebhookRouterOptions } from "./webhooks/router.js";

/** Options of {@link createPrecinct}. */
export interface PrecinctOptions {
  /**
   * Where the data lives. Default: the SQLite file `./precinct.db` (WAL mode). A `postgres://` URL selects
   * PostgreSQL. See {@link DatabaseOption}.
   */
  database?: DatabaseOption;
  /**
   * The organization the client is bound to: an existing organization's id or slug, or `{ name, slug }` to
   * open it, creating it when missing. Default: the organization with slug `default`, created when missing.
   */
  organization?: string | OrganizationInput;
  /** The plugins (transports, sources, queue). Each is checked for a supported `specificationVersion`. */
  plugins?: PrecinctPlugins;
  /** Country assumed for phone numbers written without a country code (ISO-3166 alpha-2). Default `US`. */
  defaultCountry?: string;
  /** Receives errors thrown by event listeners. Default: `console.error`. */
  onListenerError?: (error: unknown, event: PrecinctEventName) => void;
  /**
   * The engine's clock. Default: the system clock. Tests and simulations pass their own to cross quiet
   * hours and frequency-cap windows without waiting.
   */
  clock?: () => Date;
  /** Defaults of every dispatcher this client creates (`precinct.dispatcher()`, P2P sends). */
  dispatcher?: DispatcherOptions;
  /** Cost estimates of campaigns. */
  campaigns?: CampaignOptions;
  /** How replies are handled (extra opt-out phrases, confirmation texts). */
  inbound?: InboundOptions;
  /**
   * Email: the public URL one-click unsubscribe links point to, the secret that signs them, the default
   * sender. Required to launch email campaigns.
   */
  email?: EmailSettings;
  /** Phone banks: the public webhook URL calls are placed with, the default caller id. */
  phonebanks?: PhoneBankOptions;
}

type Repos = {
  readonly [K in keyof typeof entitySpecs]: EntityRepository<(typeof entitySpecs)[K]["schema"]>;
};

/**
 * A Precinct client, bound to one organization. Every repository reads and writes only that organization's
 * rows. Create it with {@link createPrecinct}; release it with {@link Precinct.close}.
 */
export interface Precinct extends Omit<Repos, "lists" | "segments" | "campaigns"> {
  /** The organization this client is bound to. */
  readonly organization: Organization;
  /** The open database (Kysely instance and dialect), for queries the repositories do not offer. */
  readonly storage: Storage;
  /** The typed event bus. */
  readonly bus: EventBus;
  /** The validated plugins. */
  readonly plugins: PrecinctPlugins;
  /** People: upsert with match rules, lookups, tags. */
  readonly people: PersonRepository;
  /** The append-only consent ledger. */
  readonly consent: ConsentRepository;
  /** Voter registration records and vote history. */
  readonly voters: VoterRepository;
  /** Static lists and their members. */
  readonly lists: ListRepository;
  /** Saved segments, and counting and streaming the members of any segment filter. */
  readonly segments: SegmentRepository;
  /** Outreach campaigns: create, estimate, preview, launch, pause, resume, cancel, report. */
  readonly campaigns: CampaignService;
  /** Peer-to-peer texting: batches, explicit sends, the inbox, canned replies, tags, reassignment. */
  readonly p2p: PeerToPeer;
  /** The outbox: every intended message and where it stands. */
  readonly outbox: OutboxReader;
  /**
   * Phone banks: voice campaigns (preview, power, predictive), their call lists, volunteer call sessions,
   * results and survey answers. Placing calls needs a voice transport and a public webhook URL.
   */
  readonly phonebanks: PhoneBankService;
  /**
   * A dispatcher that sends what the outbox holds, with this client's defaults overridden by `options`.
   * Run it with `start()`/`stop()` or `drain()`. Needs an SMS transport.
   */
  dispatcher(options?: DispatcherOptions): Dispatcher;
  /**
   * The webhook router for this client's transports: `router.handle(request)` → `Response`. Its
   * `smsStatusUrl` is the status callback URL dispatchers should give the provider.
   */
  webhooks(options?: WebhookRouterOptions): WebhookRouter;
  /**
   * Hands the engine an inbound text or a status callback directly, for transports that deliver them
   * without a webhook (the fake carrier, a polling adapter). The router calls the same code after
   * verifying a webhook.
   */
  readonly texting: {
    /** Classifies, threads and records an inbound text (opt-outs, opt-ins, HELP, survey answers). */
    receive(inbound: InboundSms): Promise<InboundResult>;
    /** Applies a status callback, forward only. */
    status(update: StatusUpdate): Promise<StatusResult>;
  };
  /** Chapters of this organization. */
  readonly chapters: {
    /** Creates a chapter whose parent is this organization. */
    create(input: Omit<OrganizationInput, "parentId">): Promise<Organization>;
    /** This organization's chapters. */
    list(): Promise<Organization[]>;
  };
  /** Changes this organization's settings (name, time zone, postal address, help text). */
  updateOrganization(
    patch: Partial<Pick<Organization, "name" | "timeZone" | "postalAddress" | "helpText">>,
  ): Promise<Organization>;
  /**
   * A client bound to another organization on the same database (for operators hosting several groups).
   * It shares this client's connection and plugins; closing it does not close the database.
   */
  forOrganization(organization: string | OrganizationInput): Promise<Precinct>;
  /** Releases the database connection and closable plugins. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens Precinct: connects to (and migrates) the database, resolves the organization, validates plugins.
 *
 * @example
 * ```ts
 * const precinct = await createPrecinct({ organization: { name: "Durham for All", slug: "durham-for-all" } });
 * const { status, person } = await precinct.people.upsert({
 *   givenName: "Ana", familyName: "Núñez", phoneNumbers: [{ number: "(919) 264-0134" }],
 * });
 * await precinct.close();
 * ```
 */
export async function createPrecinct(options: PrecinctOptions = {}): Promise<Precinct> {
  const plugins = validatePlugins(options.plugins ?? {});
  const storage = await openStorage(options.database);
  try {
    const bus = new EventBus(options.onListenerError);
    return await bind(storage, bus, plugins, options, options.organization, true);
  } catch (error) {
    await storage.close();
    throw error;
  }
}

async function resolveOrganization(
  store: OrganizationStore,
  organization: string | OrganizationInput | undefined,
): Promise<Organization> {
  const wanted = organization ?? { name: "Default organization", slug: "default" };
  if (typeof wanted === "string") {
    const found = await store.get(wanted);
    if (!found) {
      throw new ConfigError(
        `No organization with id or slug "${wanted}". Pass { name, slug } to create it on first use.`,
      );
    }
    return found;
  }
  return (await store.get(wanted.slug)) ?? store.create(wanted);
}

async function bind(
  storage: Storage,
  bus: EventBus,
  plugins: PrecinctPlugins,
  options: PrecinctOptions,
  organization: string | OrganizationInput | undefined,
  owner: boolean,
): Promise<Precinct> {
  const store = new OrganizationStore(storage.db);
  let current = await resolveOrganization(store, organization);
  const orgId = current.id;
  const { db, dialect } = storage;
  let closed = false;
  const guard = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (closed) {
            return Promise.reject(
              new PrecinctError({ code: "closed", message: "This Precinct client was closed." }),
            );
          }
          return (value as (...a: unknown[]) => unknown).apply(object, args);
        };
      },
    });

  const repos = Object.fromEntries(
    Object.entries(entitySpecs)
      .filter(([key]) => key !== "lists" && key !== "segments" && key !== "campaigns")
      .map(([key, spec]) => [key, guard(new EntityRepository(db, dialect, orgId, spec as never))]),
  ) as unknown as Omit<Repos, "lists" | "segments" | "campaigns">;

  const people = new PersonRepository(
    db,
    dialect,
    orgId,
    { defaultCountry: options.defaultCountry ?? "US" },
    (result) =>
      result.status === "created"
        ? bus.emit("person.created", { person: result.person })
        : bus.emit("person.updated", { person: result.person, changes: result.changes }),
  );
  const consent = new ConsentRepository(
    db,
    dialect,
    orgId,
    options.defaultCountry ?? "US",
    (event) => bus.emit(event.kind === "opt_out" ? "consent.revoked" : "consent.granted", { event }),
    options.clock,
  );

  const segments = new SegmentRepository(db, dialect, orgId);
  const voters = new VoterRepository(db, orgId);
  const fence = new OptOutFence();
  const remember = ({ event }: { event: { channel: string; contactPoint: string; kind: string } }) =>
    fence.set(event.channel, event.contactPoint, event.kind === "opt_out");
  bus.on("consent.revoked", remember);
  bus.on("consent.granted", remember);
  const ctx: OutreachContext = {
    db,
    dialect,
    organizationId: orgId,
    organization: () => current,
    bus,
    plugins,
    consent,
    segments,
    people,
    voters,
    clock: options.clock ?? (() => new Date()),
    fence,
    defaultCountry: options.defaultCountry ?? "US",
    ...(options.email ? { email: validEmailSettings(options.email) } : {}),
  };
  const dispatchers: Dispatcher[] = [];
  const makeDispatcher = (overrides: DispatcherOptions = {}): Dispatcher => {
    const made = new Dispatcher(
      ctx,
      { ...options.dispatcher, ...overrides },
      { afterSent: (providerIds) => inbound.applyParked(providerIds) },
    );
    dispatchers.push(made);
    return made;
  };
  let p2pDispatcher: Dispatcher | undefined;
  const campaigns = new CampaignService(ctx, () => dispatchers, options.campaigns);
  const inbound = new InboundHandler(ctx, options.inbound);
  const phonebanks = new PhoneBankService(ctx, campaigns, options.phonebanks);
  const emailEvents = new EmailEvents(ctx, (campaignId) => {
    for (const dispatcher of dispatchers) dispatcher.noteCampaignStatus(campaignId, "paused");
  });

  const client: Precinct = {
    ...repos,
    get organization() {
      return current;
    },
    storage,
    bus,
    plugins,
    people: guard(people),
    consent: guard(consent),
    voters: guard(voters),
    lists: guard(new ListRepository(db, dialect, orgId)),
    segments: guard(segments),
    campaigns: guard(campaigns),
    p2p: guard(new PeerToPeer(ctx, campaigns, () => (p2pDispatcher ??= makeDispatcher()))),
    outbox: guard(new OutboxReader(ctx)),
    phonebanks: guard(phonebanks),
    dispatcher: (overrides) => {
      if (closed) throw new PrecinctError({ code: "closed", message: "This Precinct client was closed." });
      return makeDispatcher(overrides);
    },
    webhooks: (routerOptions) => {
      // Calls are placed with answer and status URLs: a router that knows its public URL tells the dialer.
      if (plugins.voice && routerOptions?.publicUrl && !options.phonebanks?.publicUrl) {
        phonebanks.configureWebhooks({
          publicUrl: routerOptions.publicUrl,
          ...(routerOptions.basePath ? { basePath: routerOptions.basePath } : {}),
        });
      }
      return new WebhookRouter(
        plugins,
        inbound,
        routerOptions,
        { events: emailEvents, settings: ctx.email },
        phonebanks,
      );
    },
    texting: guard({
      receive: (message: InboundSms) => inbound.receive(message),
      status: (update: StatusUpdate) => inbound.status(update),
    }),
    chapters: {
      async create(input) {
        const chapter = await store.create({ ...input, parentId: orgId });
        bus.emit("organization.created", { organization: chapter });
        return chapter;
      },
      list: () => store.children(orgId),
    },
    async updateOrganization(patch) {
      current = await store.update(orgId, patch);
      return current;
    },
    forOrganization: (other) => bind(storage, bus, plugins, options, other, false),
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(dispatchers.map((d) => d.stop()));
      if (!owner) return;
      bus.clear();
      await plugins.jobs?.close?.();
      await storage.close();
    },
  };
  return client;
}
