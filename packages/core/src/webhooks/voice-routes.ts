/**
 * The voice webhooks of phone banks, as routes the webhook router mounts: the answer URL (what to do with
 * an answered call, in the transport's markup), call-status callbacks, and asynchronous answering-machine
 * detection results. Each verifies the provider's signature first (403 and no change otherwise) and
 * dedupes provider retries by call id and status.
 *
 * @module
 */
import { type PhoneBankService, VOICE_WEBHOOK_PATHS } from "../dialer/phonebank-service.js";
import type { WebhookRequest } from "../spec/contracts/common.js";
import { hasCapability, type PrecinctPlugins } from "../spec/contracts/plugins.js";
import type { AnsweredBy, CallStatusUpdate, VoiceTransport } from "../spec/contracts/voice-transport.js";
import { ConfigError, PrecinctError } from "../spec/errors.js";
import type { WebhookRoute } from "./router.js";

/** Options of {@link voiceRoutes}; the same as the router's. */
export interface VoiceRoutesOptions {
  /** The public base URL the provider calls (`https://organize.example.org`). Default: none (paths only). */
  readonly publicUrl?: string;
  /** Path prefix of every webhook. Default `/webhooks`. */
  readonly basePath?: string;
  /**
   * Accept webhooks from a transport that cannot verify signatures. Default false: they are refused with
   * 403, since anyone could otherwise forge call results.
   */
  readonly trustUnsignedWebhooks?: boolean;
}

/** A voice route and its handler: `(webhook) → Response`. Never throws for a bad request; storage errors do. */
export interface VoiceRoute {
  /** Method, path, public URL and what to configure it as. */
  readonly route: WebhookRoute;
  /** Handles one verified-or-refused request. */
  readonly handler: (webhook: WebhookRequest) => Promise<Response>;
}

/**
 * The voice webhook routes for the configured voice transport, for the webhook router to mount (an empty
 * list without a voice transport). Paths, under `basePath`:
 *
 * - `POST /voice/answer?session=<id>|call=<id>` — the answer URL calls are placed with. Answers with the
 *   transport's `answerInstructions` (TwiML for Twilio).
 * - `POST /voice/status?call=<id>` — call-status callbacks (needs the transport's `parseStatus`).
 * - `POST /voice/amd?call=<id>` — asynchronous machine-detection results (needs `parseStatus`).
 *
 * Answers: `200`; `403` when the signature is missing or wrong (nothing changed); `400` for a verified
 * request that is not what the route expects. Status and detection callbacks are deduped by call id,
 * status and who answered, so a provider's retry changes nothing.
 *
 * @param plugins - The client's plugins; `plugins.voice` is used.
 * @param phonebanks - `precinct.phonebanks`.
 * @param options - The router's public URL, base path and trust setting.
 */
export function voiceRoutes(
  plugins: PrecinctPlugins,
  phonebanks: PhoneBankService,
  options: VoiceRoutesOptions = {},
): VoiceRoute[] {
  const voice = plugins.voice;
  if (!voice) return [];
  const basePath = `/${(options.basePath ?? "/webhooks").replace(/^\/+|\/+$/g, "")}`;
  let publicUrl: URL | null;
  try {
    publicUrl = options.publicUrl ? new URL(options.publicUrl) : null;
  } catch (cause) {
    throw new ConfigError(`webhooks publicUrl ${JSON.stringify(options.publicUrl)} is not a URL.`, { cause });
  }
  const trusted = options.trustUnsignedWebhooks === true;
  const verify = async (webhook: WebhookRequest): Promise<boolean> => {
    if (hasCapability(voice, "verifyWebhook")) {
      try {
        return (await voice.verifyWebhook(webhook)) === true;
      } catch {
        // A signature check that throws is a signature that did not check out.
        return false;
      }
    }
    return trusted;
  };
  const route = (suffix: string, description: string): WebhookRoute => {
    const path = `${basePath}${suffix}`;
    return { method: "POST", path, url: publicUrl ? new URL(path, publicUrl).toString() : null, description };
  };

  const routes: VoiceRoute[] = [
    {
      route: route(
        VOICE_WEBHOOK_PATHS.answer,
        `${voice.provider}: answer URL of phone-bank calls (set by the dialer on each call)`,
      ),
      async handler(webhook) {
        if (!(await verify(webhook))) return forbidden();
        const query = new URL(webhook.url).searchParams;
        const sessionId = query.get("session");
        const callId = query.get("call");
        if (!sessionId && !callId) return text(400, "The answer URL needs ?session=<id> or ?call=<id>.");
        const answeredBy = await answeredByOf(voice, webhook);
        if (answeredBy instanceof Response) return answeredBy;
        const instructions = await phonebanks.answer({ sessionId, callId }, { answeredBy });
        return new Response(instructions.body, {
          status: 200,
          headers: { "content-type": instructions.contentType },
        });
      },
    },
  ];
  if (hasCapability(voice, "parseStatus")) {
    routes.push(
      {
        route: route(
          VOICE_WEBHOOK_PATHS.status,
          `${voice.provider}: call status callbacks of phone-bank calls`,
        ),
        async handler(webhook) {
          if (!(await verify(webhook))) return forbidden();
          const update = await parse(() => voice.parseStatus(webhook));
          if (update instanceof Response) return update;
          const key = `call-status:${update.providerId}:${update.status}:${update.answeredBy ?? ""}`;
          if (await phonebanks.firstDelivery(key)) {
            await phonebanks.callStatus(update, { callId: new URL(webhook.url).searchParams.get("call") });
          }
          return ok();
        },
      },
      {
        route: route(
          VOICE_WEBHOOK_PATHS.machineDetection,
          `${voice.provider}: asynchronous answering-machine detection results`,
        ),
        async handler(webhook) {
          if (!(await verify(webhook))) return forbidden();
          const update = await parse(() => voice.parseStatus(webhook));
          if (update instanceof Response) return update;
          if (!update.answeredBy) return text(400, "A machine-detection callback must say who answered.");
          const key = `amd:${update.providerId}:${update.answeredBy}`;
          if (await phonebanks.firstDelivery(key)) {
            await phonebanks.machineDetection(update, {
              callId: new URL(webhook.url).searchParams.get("call"),
            });
          }
          return ok();
        },
      },
    );
  }
  return routes;
}

/**
 * Who answered, from the answer request itself (providers that detect machines before answering send it
 * there). A transport that cannot parse it, or a request without it, gives null: the call is treated as
 * answered by a person.
 */
async function answeredByOf(
  voice: VoiceTransport,
  webhook: WebhookRequest,
): Promise<AnsweredBy | null | Response> {
  if (!hasCapability(voice, "parseStatus")) return null;
  let update: CallStatusUpdate;
  try {
    update = await voice.parseStatus(webhook);
  } catch (error) {
    if (PrecinctError.hasCode(error, "invalid_input")) return null;
    throw error;
  }
  return update.answeredBy ?? null;
}

async function parse<T>(run: () => T | Promise<T>): Promise<T | Response> {
  try {
    return await run();
  } catch (error) {
    if (PrecinctError.hasCode(error, "invalid_input")) return text(400, error.message);
    throw error;
  }
}

/** An empty acknowledgement: status callbacks expect a 200 and ignore the body. */
function ok(): Response {
  return new Response("", { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
}

function forbidden(): Response {
  return text(403, "Webhook signature missing or invalid");
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
