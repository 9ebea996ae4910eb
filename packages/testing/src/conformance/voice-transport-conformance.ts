/**
 * The published conformance suite for {@link VoiceTransport} adapters. First-party adapters run it; third
 * parties call it from their own test file with a harness for their vendor's HTTP API (msw, a sandbox).
 *
 * @module
 */

import {
  type AnsweredBy,
  type AnswerInstructions,
  type AnswerInstructionsInput,
  type Awaitable,
  CALL_STATUSES,
  type CallStatus,
  type OutboundCall,
  PrecinctError,
  type VoiceTransport,
  validatePlugin,
  type WebhookRequest,
} from "@precinct/core";
import { describe, expect, it } from "vitest";

/** A call-status report the harness turns into a correctly signed webhook. */
export interface ConformanceCallStatus {
  /** The provider id of a call the suite placed. */
  readonly providerId: string;
  /** The status to report. */
  readonly status: CallStatus;
  /** Who answered, when the report carries a machine-detection result. */
  readonly answeredBy?: AnsweredBy;
  /** The call's length in seconds, for `completed`. */
  readonly durationSeconds?: number;
}

/**
 * What the harness provides so the suite can observe and steer the adapter. Every hook is called after
 * `create()` within the same test, so a hook may refer to the transport (or mock server) just created.
 */
export interface VoiceTransportConformanceCases {
  /** The number to call, E.164. Default `+15005550006`. */
  readonly recipient?: string;
  /** The caller id, E.164. Default `+15550100000`. */
  readonly caller?: string;
  /** The answer URL given to calls. Default `https://precinct.test/webhooks/voice/answer`. */
  readonly answerUrl?: string;
  /** The status callback URL given to calls. Default `https://precinct.test/webhooks/voice/status`. */
  readonly statusCallbackUrl?: string;
  /**
   * How many calls actually reached the provider so far. With it, the suite also checks that a refused
   * call (a ring timeout under 15 s) placed nothing.
   */
  readonly callCount?: () => Awaitable<number>;
  /** Arranges for the next call to fail permanently (e.g. Twilio 21211 invalid number). */
  readonly triggerPermanentFailure: () => Awaitable<void>;
  /** Arranges for the next call to fail in a retryable way (e.g. HTTP 429 or 503). */
  readonly triggerRetryableFailure: () => Awaitable<void>;
  /**
   * Makes a placed call answered (in progress) at the provider, for providers that only move or hang up
   * live calls. Optional: without it the suite acts on the call as placed.
   */
  readonly answerCall?: (providerId: string) => Awaitable<void>;
  /**
   * The provider ids of the calls in a conference room, read from the provider (or its imitation). With
   * it, the suite checks that `conference.join`/`add` really put the call in the room.
   */
  readonly conferenceMembers?: (conferenceName: string) => Awaitable<readonly string[]>;
  /**
   * The markup a call was last given with `redirect()`, read from the provider (or its imitation), or
   * undefined when it got none. With it, the suite checks that `redirect` really handed the call the new
   * instructions.
   */
  readonly redirectedInstructions?: (providerId: string) => Awaitable<AnswerInstructions | undefined>;
  /**
   * A correctly signed call-status webhook reporting `update`. Required when the transport has
   * `parseStatus` or `verifyWebhook`.
   */
  readonly statusRequest?: (update: ConformanceCallStatus) => Awaitable<WebhookRequest>;
  /** The same webhook signed with the wrong key. Required when the transport has `verifyWebhook`. */
  readonly forgedStatusRequest?: (update: ConformanceCallStatus) => Awaitable<WebhookRequest>;
  /**
   * A correctly signed machine-detection result, for providers that report it in a webhook of its own
   * (Twilio's asynchronous AMD callback). Without it the suite reports `answeredBy` through
   * {@link statusRequest}.
   */
  readonly machineDetectionRequest?: (result: {
    readonly providerId: string;
    readonly answeredBy: AnsweredBy;
  }) => Awaitable<WebhookRequest>;
}

/** Options for {@link runVoiceTransportConformance}. */
export interface VoiceTransportConformanceOptions {
  /** The adapter's name, shown in test titles. */
  readonly name: string;
  /** Creates a fresh transport; called once per test. */
  readonly create: () => VoiceTransport | Promise<VoiceTransport>;
  /** The harness hooks. */
  readonly cases: VoiceTransportConformanceCases;
}

const ANSWERED_BY: readonly AnsweredBy[] = [
  "human",
  "machine_start",
  "machine_end_beep",
  "machine_end_silence",
  "machine_end_other",
  "fax",
  "unknown",
];
const FINAL: ReadonlySet<CallStatus> = new Set(["completed", "busy", "no-answer", "canceled", "failed"]);
let keyCounter = 0;
let roomCounter = 0;

/**
 * Registers the `VoiceTransport` v1 conformance tests with vitest. Call it at the top level of a test file.
 *
 * It checks: the contract fields and shape; that `call()` returns a non-empty `providerId` and a known
 * status, distinct ids per call, refuses a ring timeout under 15 s (the FCC's minimum) with a
 * non-retryable `PrecinctError` and places nothing, accepts 15 s, and rejects with the signal's reason
 * when aborted; that permanent and retryable failures surface as `PrecinctError` with the right
 * `isRetryable` and no raw vendor error leaks; that `answerInstructions()` renders every action as
 * non-empty markup of its declared content type that carries the inputs, escaped (XML is parsed, JSON is
 * parsed; special characters never turn into markup). For each optional capability the transport has:
 * `machineDetection` (both modes accepted, every `AnsweredBy` reported), `conference.add`/`join` (the
 * call lands in the room when `conferenceMembers` is supplied; `add` refuses a short ring timeout too),
 * `hangup` (ends a call, and again without error), `redirect` (gives a live call new instructions,
 * carried by the markup `redirectedInstructions` reads when supplied; once the call has been hung up it
 * rejects with a `PrecinctError` that is not retryable), `parseStatus` (every call status, duration, date),
 * and `verifyWebhook` (accepts a genuine request; refuses a forged, a tampered and an unsigned one). A
 * capability the transport lacks is reported as a skipped test; to see which it has, `create()` is also
 * called once while vitest collects the tests.
 *
 * @example
 * ```ts
 * // my-adapter.voice.conformance.test.ts
 * import { runVoiceTransportConformance } from "@precinct/testing/conformance";
 *
 * runVoiceTransportConformance({
 *   name: "telnyx",
 *   create: () => telnyxVoice({ apiKey: "test", fetch: server.fetch }),
 *   cases: {
 *     triggerPermanentFailure: () => server.failNextCall(422, { code: "10002" }),
 *     triggerRetryableFailure: () => server.failNextCall(429),
 *     callCount: () => server.requests("/v2/calls").length,
 *     statusRequest: (update) => server.signedCallEvent(update),
 *     forgedStatusRequest: (update) => server.signedCallEvent(update, { key: "wrong" }),
 *   },
 * });
 * ```
 */
export function runVoiceTransportConformance(options: VoiceTransportConformanceOptions): void {
  const { cases } = options;
  const recipient = cases.recipient ?? "+15005550006";
  const caller = cases.caller ?? "+15550100000";
  const answerUrl = cases.answerUrl ?? "https://precinct.test/webhooks/voice/answer";
  const statusCallbackUrl = cases.statusCallbackUrl ?? "https://precinct.test/webhooks/voice/status";
  const outbound = (extra: Partial<OutboundCall> = {}): OutboundCall => ({
    to: recipient,
    from: caller,
    answerUrl,
    statusCallbackUrl,
    idempotencyKey: `voice-conformance-${Date.now()}-${++keyCounter}`,
    ...extra,
  });
  const room = () => `conformance-room-${Date.now()}-${++roomCounter}`;
  const rejection = async (promise: Promise<unknown>, what: string): Promise<unknown> => {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error(`expected ${what} to reject, but it resolved`);
  };
  const required = <T>(hook: T | undefined, name: string, capability: string): T => {
    if (hook === undefined) {
      throw new Error(`The transport has \`${capability}\`: supply cases.${name} so the suite can check it.`);
    }
    return hook;
  };
  const expectRefusedTimeout = (error: unknown) => {
    expect(PrecinctError.isInstance(error), `got ${String(error)}`).toBe(true);
    expect(["invalid_input", "invalid_config"]).toContain((error as PrecinctError).code);
    expect((error as PrecinctError).isRetryable).toBe(false);
  };

  describe(`VoiceTransport conformance: ${options.name}`, () => {
    describe("contract", () => {
      it('declares specificationVersion "v1" and a provider name', async () => {
        const transport = await options.create();
        expect(transport.specificationVersion).toBe("v1");
        expect(typeof transport.provider).toBe("string");
        expect(transport.provider.trim()).not.toBe("");
      });

      it("has the required members, and optional ones of the right type", async () => {
        const transport = await options.create();
        expect(() => validatePlugin("VoiceTransport", transport)).not.toThrow();
      });
    });

    describe("call", () => {
      it("returns a providerId and a known status", async () => {
        const transport = await options.create();
        const result = await transport.call(outbound());
        expect(typeof result.providerId).toBe("string");
        expect(result.providerId.trim()).not.toBe("");
        expect(CALL_STATUSES).toContain(result.status);
        expect(FINAL.has(result.status), `a call just placed is not ${result.status}`).toBe(false);
      });

      it("returns a distinct providerId for each call", async () => {
        const transport = await options.create();
        const ids = [];
        for (let i = 0; i < 3; i++) ids.push((await transport.call(outbound())).providerId);
        expect(new Set(ids).size).toBe(3);
      });

      it("refuses a ring timeout under 15 seconds, placing nothing, and accepts 15", async () => {
        const transport = await options.create();
        const before = cases.callCount === undefined ? undefined : await cases.callCount();
        for (const timeoutSeconds of [14, 5, 0]) {
          expectRefusedTimeout(await rejection(transport.call(outbound({ timeoutSeconds })), "call()"));
        }
        if (cases.callCount !== undefined) expect(await cases.callCount()).toBe(before);
        const accepted = await transport.call(outbound({ timeoutSeconds: 15 }));
        expect(accepted.providerId).not.toBe("");
      });

      it("rejects with the signal's reason when the signal has aborted", async () => {
        const transport = await options.create();
        const controller = new AbortController();
        const reason = new Error("volunteer left the session");
        controller.abort(reason);
        const error = await rejection(transport.call(outbound(), { signal: controller.signal }), "call()");
        expect(error).toBe(reason);
      });
    });

    describe("errors", () => {
      it("maps a permanent failure to a PrecinctError that is not retryable", async () => {
        const transport = await options.create();
        await cases.triggerPermanentFailure();
        const error = await rejection(transport.call(outbound()), "call()");
        expect(PrecinctError.isInstance(error), `got ${String(error)}`).toBe(true);
        expect((error as PrecinctError).isRetryable).toBe(false);
      });

      it("maps a retryable failure to a PrecinctError that is retryable", async () => {
        const transport = await options.create();
        await cases.triggerRetryableFailure();
        const error = await rejection(transport.call(outbound()), "call()");
        expect(PrecinctError.isInstance(error), `got ${String(error)}`).toBe(true);
        expect((error as PrecinctError).isRetryable).toBe(true);
      });

      it("never leaks a raw vendor error, and recovers for the next call", async () => {
        const transport = await options.create();
        for (const trigger of [cases.triggerPermanentFailure, cases.triggerRetryableFailure]) {
          await trigger();
          const error = await rejection(transport.call(outbound()), "call()");
          expect(PrecinctError.isInstance(error), `got ${String(error)}`).toBe(true);
          expect((error as PrecinctError).code).toEqual(expect.any(String));
          expect((error as PrecinctError).message).not.toBe("");
          const next = await transport.call(outbound());
          expect(next.providerId).not.toBe("");
        }
      });
    });

    describe("answerInstructions", () => {
      // Inputs with markup characters: a transport must escape them, never let them become markup.
      const roomName = `Riverside <room 7> & "friends"`;
      const sayText = `Polls close at 7 <b>sharp</b> & bring "ID" — ¡gracias, vecinos!`;
      const audioUrl = "https://cdn.example.org/voicemail.mp3?campaign=7&lang=en";
      const instructionCases: readonly {
        readonly title: string;
        readonly input: AnswerInstructionsInput;
        readonly contains: readonly string[];
      }[] = [
        {
          title: "conference",
          input: {
            action: "conference",
            conferenceName: roomName,
            startConferenceOnEnter: true,
            endConferenceOnExit: true,
            beep: false,
          },
          contains: [roomName],
        },
        {
          title: "dial",
          input: { action: "dial", to: recipient, callerId: caller, timeoutSeconds: 20 },
          contains: [recipient, caller],
        },
        {
          title: "say",
          input: { action: "say", text: sayText, language: "es-US" },
          contains: [sayText, "es-US"],
        },
        { title: "play", input: { action: "play", audioUrl }, contains: [audioUrl] },
        { title: "hangup", input: { action: "hangup" }, contains: [] },
      ];

      for (const { title, input, contains } of instructionCases) {
        it(`renders "${title}" as markup of its declared content type, carrying the inputs escaped`, async () => {
          const transport = await options.create();
          const rendered = await transport.answerInstructions(input);
          expect(typeof rendered.contentType).toBe("string");
          expect(rendered.contentType).toMatch(/^[\w.+-]+\/[\w.+-]+/);
          expect(typeof rendered.body).toBe("string");
          expect(rendered.body.trim()).not.toBe("");
          const strings = markupStrings(rendered.contentType, rendered.body);
          for (const expected of contains) {
            expect(
              strings.some((s) => s.includes(expected)),
              `${title}: "${expected}" is not in ${rendered.body}`,
            ).toBe(true);
          }
          if (/xml/i.test(rendered.contentType)) {
            // `<b>` and `<room 7>` in the input must not have become elements.
            const names = elementNames(parseXmlMarkup(rendered.body));
            expect(names).not.toContain("b");
            expect(names).not.toContain("room");
          }
        });
      }
    });

    describe("optional capabilities", async () => {
      const probe = await options.create();
      const detects = probe.machineDetection === true;
      const conference = probe.conference !== undefined;
      const hangup = typeof probe.hangup === "function";
      const redirects = typeof probe.redirect === "function";
      const parses = typeof probe.parseStatus === "function";
      const verifies = typeof probe.verifyWebhook === "function";

      it.skipIf(!detects)("machineDetection: accepts both modes", async () => {
        const transport = await options.create();
        for (const machineDetection of ["enable", "detect_message_end"] as const) {
          const result = await transport.call(outbound({ machineDetection }));
          expect(result.providerId).not.toBe("");
          expect(CALL_STATUSES).toContain(result.status);
        }
      });

      it.skipIf(!detects || !parses)("machineDetection: every AnsweredBy is reported", async () => {
        const transport = await options.create();
        const { providerId } = await transport.call(outbound({ machineDetection: "detect_message_end" }));
        for (const answeredBy of ANSWERED_BY) {
          const request =
            cases.machineDetectionRequest !== undefined
              ? await cases.machineDetectionRequest({ providerId, answeredBy })
              : await required(
                  cases.statusRequest,
                  "statusRequest",
                  "parseStatus",
                )({ providerId, status: "in-progress", answeredBy });
          if (verifies) expect(await transport.verifyWebhook!(request)).toBe(true);
          const update = await transport.parseStatus!(request);
          expect(update.providerId).toBe(providerId);
          expect(update.answeredBy).toBe(answeredBy);
          expect(CALL_STATUSES).toContain(update.status);
        }
      });

      it.skipIf(!conference)("conference.add dials a contact into a room", async () => {
        const transport = await options.create();
        const name = room();
        const result = await transport.conference!.add({
          conferenceName: name,
          to: recipient,
          from: caller,
          statusCallbackUrl,
          timeoutSeconds: 20,
          idempotencyKey: `voice-conformance-add-${++keyCounter}`,
        });
        expect(result.providerId.trim()).not.toBe("");
        expect(CALL_STATUSES).toContain(result.status);
        if (cases.conferenceMembers !== undefined) {
          expect(await cases.conferenceMembers(name)).toContain(result.providerId);
        }
      });

      it.skipIf(!conference)("conference.add refuses a ring timeout under 15 seconds", async () => {
        const transport = await options.create();
        const before = cases.callCount === undefined ? undefined : await cases.callCount();
        const error = await rejection(
          transport.conference!.add({
            conferenceName: room(),
            to: recipient,
            from: caller,
            timeoutSeconds: 10,
            idempotencyKey: `voice-conformance-add-${++keyCounter}`,
          }),
          "conference.add()",
        );
        expectRefusedTimeout(error);
        if (cases.callCount !== undefined) expect(await cases.callCount()).toBe(before);
      });

      it.skipIf(!conference)("conference.join moves a live call into a room", async () => {
        const transport = await options.create();
        const { providerId } = await transport.call(outbound());
        await cases.answerCall?.(providerId);
        const name = room();
        await transport.conference!.join({
          conferenceName: name,
          providerId,
          startConferenceOnEnter: true,
          endConferenceOnExit: true,
        });
        if (cases.conferenceMembers !== undefined) {
          expect(await cases.conferenceMembers(name)).toContain(providerId);
        }
      });

      it.skipIf(!hangup)("hangup ends a call, and hanging up again is not an error", async () => {
        const transport = await options.create();
        const { providerId } = await transport.call(outbound());
        await cases.answerCall?.(providerId);
        await expect(transport.hangup!(providerId)).resolves.toBeUndefined();
        await expect(transport.hangup!(providerId)).resolves.toBeUndefined();
      });

      it.skipIf(!redirects)("redirect gives a live call new instructions", async () => {
        const transport = await options.create();
        const { providerId } = await transport.call(outbound());
        await cases.answerCall?.(providerId);
        // A voicemail drop, with markup characters that must stay text.
        const text = `Hi, it's Durham Neighbors <calling> & "reminding" you: polls close at 7:30.`;
        await expect(
          transport.redirect!(providerId, { action: "say", text, language: "en-US" }),
        ).resolves.toBeUndefined();
        if (cases.redirectedInstructions !== undefined) {
          const given = await cases.redirectedInstructions(providerId);
          expect(given, "redirectedInstructions found no markup for the call").toBeDefined();
          const strings = markupStrings(given!.contentType, given!.body);
          expect(
            strings.some((s) => s.includes(text)),
            `"${text}" is not in ${given!.body}`,
          ).toBe(true);
        }
      });

      it.skipIf(!redirects || !hangup)(
        "redirect of a call that has ended rejects with a PrecinctError that is not retryable",
        async () => {
          const transport = await options.create();
          const { providerId } = await transport.call(outbound());
          await cases.answerCall?.(providerId);
          await transport.hangup!(providerId);
          const error = await rejection(
            transport.redirect!(providerId, { action: "say", text: "Too late." }),
            "redirect()",
          );
          expect(PrecinctError.isInstance(error), `got ${String(error)}`).toBe(true);
          expect((error as PrecinctError).isRetryable).toBe(false);
        },
      );

      it.skipIf(!parses)("parseStatus reads every call status", async () => {
        const transport = await options.create();
        const statusRequest = required(cases.statusRequest, "statusRequest", "parseStatus");
        const { providerId } = await transport.call(outbound());
        for (const status of CALL_STATUSES) {
          const update = await transport.parseStatus!(await statusRequest({ providerId, status }));
          expect(update.providerId).toBe(providerId);
          expect(update.status).toBe(status);
          expect(typeof update.raw).toBe("object");
          if (update.occurredAt !== undefined) {
            expect(update.occurredAt).toBeInstanceOf(Date);
            expect(Number.isNaN(update.occurredAt.getTime())).toBe(false);
          }
        }
      });

      it.skipIf(!parses)("parseStatus reads the duration of a completed call", async () => {
        const transport = await options.create();
        const statusRequest = required(cases.statusRequest, "statusRequest", "parseStatus");
        const { providerId } = await transport.call(outbound());
        const update = await transport.parseStatus!(
          await statusRequest({ providerId, status: "completed", durationSeconds: 73 }),
        );
        expect(update).toMatchObject({ providerId, status: "completed", durationSeconds: 73 });
      });

      it.skipIf(!verifies)("verifyWebhook accepts a genuine request", async () => {
        const transport = await options.create();
        const statusRequest = required(cases.statusRequest, "statusRequest", "verifyWebhook");
        const { providerId } = await transport.call(outbound());
        expect(await transport.verifyWebhook!(await statusRequest({ providerId, status: "ringing" }))).toBe(
          true,
        );
      });

      it.skipIf(!verifies)("verifyWebhook refuses a forged, a tampered and an unsigned request", async () => {
        const transport = await options.create();
        const statusRequest = required(cases.statusRequest, "statusRequest", "verifyWebhook");
        const forgedRequest = required(cases.forgedStatusRequest, "forgedStatusRequest", "verifyWebhook");
        const { providerId } = await transport.call(outbound());
        const update: ConformanceCallStatus = { providerId, status: "completed", durationSeconds: 12 };
        expect(await transport.verifyWebhook!(await forgedRequest(update)), "forged").toBe(false);
        const genuine = await statusRequest(update);
        expect(await transport.verifyWebhook!(tampered(genuine)), "tampered body").toBe(false);
        expect(await transport.verifyWebhook!(unsigned(genuine)), "no signature").toBe(false);
      });
    });
  });
}

/** The same request with a changed body (and the same headers, so the same signature). */
function tampered(webhook: WebhookRequest): WebhookRequest {
  const contentType = webhook.request.headers.get("content-type") ?? "";
  let rawBody: string;
  if (/json/i.test(contentType)) {
    const body = JSON.parse(webhook.rawBody) as unknown;
    rawBody = JSON.stringify(
      typeof body === "object" && body !== null && !Array.isArray(body)
        ? { ...body, tampered: true }
        : [body, "tampered"],
    );
  } else if (/x-www-form-urlencoded/i.test(contentType)) {
    rawBody = `${webhook.rawBody}&Tampered=1`;
  } else {
    rawBody = `${webhook.rawBody} `;
  }
  return {
    request: new Request(webhook.url, { method: "POST", headers: webhook.request.headers, body: rawBody }),
    rawBody,
    url: webhook.url,
  };
}

/** The same request with every header but its content type removed: no signature at all. */
function unsigned(webhook: WebhookRequest): WebhookRequest {
  const contentType = webhook.request.headers.get("content-type");
  return {
    request: new Request(webhook.url, {
      method: "POST",
      headers: contentType === null ? {} : { "content-type": contentType },
      body: webhook.rawBody,
    }),
    rawBody: webhook.rawBody,
    url: webhook.url,
  };
}

/** Every text and attribute value of XML markup, every string of JSON, else the body itself. */
function markupStrings(contentType: string, body: string): string[] {
  if (/xml/i.test(contentType)) {
    const strings: string[] = [];
    const walk = (element: XmlElement) => {
      strings.push(element.text, ...Object.values(element.attributes));
      for (const child of element.children) walk(child);
    };
    walk(parseXmlMarkup(body));
    return strings;
  }
  if (/json/i.test(contentType)) {
    const strings: string[] = [];
    const walk = (value: unknown) => {
      if (typeof value === "string") strings.push(value);
      else if (typeof value === "number" || typeof value === "boolean") strings.push(String(value));
      else if (Array.isArray(value)) value.forEach(walk);
      else if (typeof value === "object" && value !== null) Object.values(value).forEach(walk);
    };
    walk(JSON.parse(body));
    return strings;
  }
  return [body];
}

function elementNames(element: XmlElement): string[] {
  return [element.name, ...element.children.flatMap(elementNames)];
}

// ---------------------------------------------------------------------------------------------------------
// A small, strict XML reader, so the suite (and adapter tests) can assert on XML markup without a parser
// dependency.

/** An element of a document read by {@link parseXmlMarkup}. */
export interface XmlElement {
  /** The tag name, as written (`Dial`, `Say`). */
  readonly name: string;
  /** Attribute values, entities decoded. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Child elements, in order. */
  readonly children: readonly XmlElement[];
  /** The element's own text (not its children's), entities decoded, CDATA included. */
  readonly text: string;
}

/**
 * Reads an XML document (the answer markup of TwiML-like voice providers) into its root
 * {@link XmlElement}. Strict where it matters for tests: unbalanced or mismatched tags, unquoted or
 * repeated attributes, unknown entities, a bare `&` or `<` in text, text or a second element outside the
 * root all throw. Declarations, comments and processing instructions are skipped; namespaces are not
 * interpreted and DTDs are refused.
 *
 * @example
 * ```ts
 * const root = parseXmlMarkup('<?xml version="1.0"?><Response><Say language="es-US">Hola &amp; adiós</Say></Response>');
 * root.children[0]; // { name: "Say", attributes: { language: "es-US" }, children: [], text: "Hola & adiós" }
 * ```
 */
export function parseXmlMarkup(xml: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`Malformed XML at offset ${i}: ${why}`);
  };
  const skipMisc = () => {
    for (;;) {
      while (i < xml.length && /\s/.test(xml[i]!)) i++;
      if (xml.startsWith("<?", i)) {
        const end = xml.indexOf("?>", i);
        if (end === -1) fail("unterminated processing instruction");
        i = end + 2;
      } else if (xml.startsWith("<!--", i)) {
        const end = xml.indexOf("-->", i);
        if (end === -1) fail("unterminated comment");
        i = end + 3;
      } else if (xml.startsWith("<!DOCTYPE", i)) {
        fail("DTDs are not supported");
      } else {
        return;
      }
    }
  };
  const name = (): string => {
    const match = /^[A-Za-z_][\w.:-]*/.exec(xml.slice(i));
    if (match === null) return fail("expected a name");
    i += match[0].length;
    return match[0];
  };
  const element = (): XmlElement => {
    if (xml[i] !== "<") fail("expected an element");
    i++;
    const tag = name();
    const attributes: Record<string, string> = {};
    for (;;) {
      const spaced = /^\s+/.exec(xml.slice(i));
      if (spaced !== null) i += spaced[0].length;
      if (xml.startsWith("/>", i)) {
        i += 2;
        return { name: tag, attributes, children: [], text: "" };
      }
      if (xml[i] === ">") {
        i++;
        break;
      }
      if (spaced === null) fail(`expected whitespace, > or /> in <${tag}>`);
      const attribute = name();
      if (Object.hasOwn(attributes, attribute)) fail(`attribute ${attribute} repeated`);
      const quoted = /^\s*=\s*(["'])/.exec(xml.slice(i));
      if (quoted === null) return fail(`attribute ${attribute} needs a quoted value`);
      i += quoted[0].length;
      const end = xml.indexOf(quoted[1]!, i);
      if (end === -1) fail(`unterminated value of ${attribute}`);
      const raw = xml.slice(i, end);
      if (raw.includes("<")) fail(`< in the value of ${attribute}`);
      attributes[attribute] = decode(raw);
      i = end + 1;
    }
    const children: XmlElement[] = [];
    let text = "";
    for (;;) {
      if (i >= xml.length) fail(`<${tag}> is not closed`);
      if (xml.startsWith("</", i)) {
        i += 2;
        const closing = name();
        if (closing !== tag) fail(`</${closing}> closes <${tag}>`);
        while (/\s/.test(xml[i] ?? "")) i++;
        if (xml[i] !== ">") fail(`expected > after </${closing}`);
        i++;
        return { name: tag, attributes, children, text };
      }
      if (xml.startsWith("<!--", i)) {
        const end = xml.indexOf("-->", i);
        if (end === -1) fail("unterminated comment");
        i = end + 3;
      } else if (xml.startsWith("<![CDATA[", i)) {
        const end = xml.indexOf("]]>", i);
        if (end === -1) fail("unterminated CDATA");
        text += xml.slice(i + 9, end);
        i = end + 3;
      } else if (xml[i] === "<") {
        children.push(element());
      } else {
        const end = xml.indexOf("<", i);
        const raw = xml.slice(i, end === -1 ? xml.length : end);
        text += decode(raw);
        i += raw.length;
      }
    }
  };
  const decode = (raw: string): string =>
    raw.replace(/&([^;\s&<]*);?/g, (match, entity: string) => {
      if (!match.endsWith(";")) return fail(`bare & in ${JSON.stringify(raw)}`);
      if (/^#x[0-9a-fA-F]+$/.test(entity)) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
      if (/^#\d+$/.test(entity)) return String.fromCodePoint(Number(entity.slice(1)));
      const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
      return named[entity] ?? fail(`unknown entity &${entity};`);
    });

  skipMisc();
  const root = element();
  skipMisc();
  if (i < xml.length) fail("content after the root element");
  return root;
}
