/**
 * The webhook router: one web-standard handler, `Request → Response`, for every provider callback. It
 * routes by path, verifies the provider's signature over the exact raw body and public URL, dedupes retries
 * by provider id, applies status callbacks forward only, and answers what the provider expects.
 *
 * @module
 */
import type { PhoneBankService } from "../dialer/phonebank-service.js";
import type { EmailEvents } from "../outreach/email/events.js";
import type { EmailSettings } from "../outreach/email/settings.js";
import { readUnsubscribeToken, type UnsubscribeClaim } from "../outreach/email/unsubscribe.js";
import type { InboundHandler } from "../outreach/inbound.js";
import { escapeHtml } from "../outreach/templates/render-template.js";
import type { WebhookRequest } from "../spec/contracts/common.js";
import type { EmailTransport } from "../spec/contracts/email-transport.js";
import type { PrecinctPlugins } from "../spec/contracts/plugins.js";
import { hasCapability } from "../spec/contracts/plugins.js";
import { ConfigError, PrecinctError } from "../spec/errors.js";
import { voiceRoutes } from "./voice-routes.js";

/** Options of {@link WebhookRouter}. */
export interface WebhookRouterOptions {
  /**
   * The public base URL providers call (`https://organize.example.org`), when the server sits behind a
   * proxy or tunnel: signatures cover the URL the provider used, not the one the server sees. Default: the
   * request's own URL.
   */
  readonly publicUrl?: string;
  /** Path prefix of every webhook. Default `/webhooks`. */
  readonly basePath?: string;
  /**
   * Accept webhooks from transports that cannot verify signatures. Default false: such webhooks are
   * refused with 403, since anyone could forge an opt-in.
   */
  readonly trustUnsignedWebhooks?: boolean;
}

/** One route the router serves, for `precinct serve --help` and provider consoles. */
export interface WebhookRoute {
  /** HTTP method. */
  readonly method: "POST" | "GET";
  /** Path, e.g. `/webhooks/sms/inbound`. */
  readonly path: string;
  /** The full public URL, when a public URL is configured. */
  readonly url: string | null;
  /** What to configure it as, in the provider's words. */
  readonly description: string;
}

type Handler = (webhook: WebhookRequest) => Promise<Response>;

/**
 * Routes provider webhooks to the engine. Get one from `precinct.webhooks(options)`; serve it with
 * `serveWebhooks()` or mount `router.handle` in any framework that speaks `Request`/`Response`
 * (Hono, Next.js route handlers, Deno, Bun).
 *
 * Answers: `200` (handled, or a retry of something already handled), `403` (signature missing or wrong:
 * nothing changed), `400` (a verified request that is not what the route expects), `404`/`405`, and `500`
 * when storage failed (so the provider retries).
 */
export class WebhookRouter {
  readonly #routes = new Map<string, { route: WebhookRoute; handler: Handler }>();
  readonly #publicUrl: URL | null;
  readonly #basePath: string;

  /** @internal Created by `precinct.webhooks()`. */
  constructor(
    plugins: PrecinctPlugins,
    inbound: InboundHandler,
    options: WebhookRouterOptions = {},
    email?: { readonly events: EmailEvents; readonly settings: EmailSettings | undefined },
    phonebanks?: PhoneBankService,
  ) {
    this.#basePath = `/${(options.basePath ?? "/webhooks").replace(/^\/+|\/+$/g, "")}`;
    try {
      this.#publicUrl = options.publicUrl ? new URL(options.publicUrl) : null;
    } catch (cause) {
      throw new ConfigError(`webhooks publicUrl ${JSON.stringify(options.publicUrl)} is not a URL.`, {
        cause,
      });
    }
    const sms = plugins.sms;
    if (sms) {
      const trusted = options.trustUnsignedWebhooks === true;
      const verify = async (webhook: WebhookRequest): Promise<boolean> => {
        if (hasCapability(sms, "verifyWebhook")) return (await sms.verifyWebhook(webhook)) === true;
        return trusted;
      };
      const ack = (kind: "inbound" | "status"): Response => {
        const answer = hasCapability(sms, "webhookAcknowledgement")
          ? sms.webhookAcknowledgement(kind)
          : { contentType: "text/plain; charset=utf-8", body: "" };
        return new Response(answer.body, { status: 200, headers: { "content-type": answer.contentType } });
      };
      if (hasCapability(sms, "parseInbound")) {
        this.#add(
          "POST",
          "/sms/inbound",
          `${sms.provider}: incoming messages ("A message comes in")`,
          async (webhook) => {
            if (!(await verify(webhook))) return forbidden();
            const parsed = await parse(() => sms.parseInbound(webhook));
            if (parsed instanceof Response) return parsed;
            await inbound.receive(parsed);
            return ack("inbound");
          },
        );
      }
      if (hasCapability(sms, "parseStatus")) {
        this.#add("POST", "/sms/status", `${sms.provider}: message status callbacks`, async (webhook) => {
          if (!(await verify(webhook))) return forbidden();
          const parsed = await parse(() => sms.parseStatus(webhook));
          if (parsed instanceof Response) return parsed;
          await inbound.status(parsed);
          return ack("status");
        });
      }
    }
    if (plugins.email && email) this.#emailRoutes(plugins.email, email.events, email.settings, options);
    if (plugins.voice && phonebanks) {
      for (const { route, handler } of voiceRoutes(plugins, phonebanks, options)) {
        this.#routes.set(`${route.method} ${route.path}`, { route, handler });
      }
    }
  }

  #emailRoutes(
    transport: EmailTransport,
    events: EmailEvents,
    settings: EmailSettings | undefined,
    options: WebhookRouterOptions,
  ): void {
    if (hasCapability(transport, "parseEvents")) {
      const trusted = options.trustUnsignedWebhooks === true;
      this.#add(
        "POST",
        "/email/events",
        `${transport.provider}: event webhook (delivered, bounce, spam report, unsubscribe, open, click)`,
        async (webhook) => {
          const verified = hasCapability(transport, "verifyWebhook")
            ? (await transport.verifyWebhook(webhook)) === true
            : trusted;
          if (!verified) return forbidden();
          const parsed = await parse(() => transport.parseEvents(webhook));
          if (parsed instanceof Response) return parsed;
          await events.apply(parsed);
          return text(200, "");
        },
      );
    }
    if (!settings) return;
    const claimOf = (webhook: WebhookRequest): UnsubscribeClaim | null => {
      const token = new URL(webhook.url).searchParams.get("t") ?? "";
      const claim = readUnsubscribeToken(settings.unsubscribeSecret, token);
      return claim && claim.organizationId === events.organizationId ? claim : null;
    };
    const description =
      "one-click unsubscribe (List-Unsubscribe): POST honours it, GET shows a confirmation page";
    this.#add("POST", "/email/unsubscribe", description, async (webhook) => {
      const claim = claimOf(webhook);
      if (!claim) return text(403, "This unsubscribe link is not valid.");
      const form = new URLSearchParams(webhook.rawBody);
      // RFC 8058: the mailbox provider posts List-Unsubscribe=One-Click; the confirmation page's button too.
      if (form.get("List-Unsubscribe") !== "One-Click") {
        return text(400, "Expected the form field List-Unsubscribe=One-Click.");
      }
      await events.unsubscribe(claim);
      return page(200, "You are unsubscribed", `${escapeHtml(claim.email)} will get no more email from us.`);
    });
    this.#add("GET", "/email/unsubscribe", description, async (webhook) => {
      const claim = claimOf(webhook);
      if (!claim) return page(403, "Link not valid", "This unsubscribe link is not valid.");
      // A GET never unsubscribes: mail scanners follow links. The button posts the one-click form.
      return page(
        200,
        "Unsubscribe",
        `Stop all email to ${escapeHtml(claim.email)}?</p><form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form><p>`,
      );
    });
  }

  /** Every route, with its public URL when one is configured. */
  get routes(): readonly WebhookRoute[] {
    return [...this.#routes.values()].map(({ route }) => route);
  }

  /** The public URL of the SMS status callback, for the dispatcher's `statusCallbackUrl`. */
  get smsStatusUrl(): string | null {
    return this.#routes.get(`POST ${this.#basePath}/sms/status`)?.route.url ?? null;
  }

  /** Handles one request. Never throws: every failure is an HTTP answer. */
  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const entry = this.#routes.get(`${request.method.toUpperCase()} ${path}`);
    if (!entry) {
      const other = [...this.#routes.keys()].some((key) => key.endsWith(` ${path}`));
      return text(other ? 405 : 404, other ? "Method not allowed" : "Not found");
    }
    try {
      // Read the body once, exactly as sent: signatures cover these bytes.
      const rawBody = await request.text();
      const publicUrl = this.#publicUrl
        ? new URL(`${path}${url.search}`, this.#publicUrl).toString()
        : request.url;
      return await entry.handler({ request, rawBody, url: publicUrl });
    } catch (error) {
      const message = PrecinctError.isInstance(error) ? error.message : "internal error";
      return text(500, message);
    }
  }

  #add(method: "POST" | "GET", suffix: string, description: string, handler: Handler): void {
    const path = `${this.#basePath}${suffix}`;
    const url = this.#publicUrl ? new URL(path, this.#publicUrl).toString() : null;
    this.#routes.set(`${method} ${path}`, { route: { method, path, url, description }, handler });
  }
}

async function parse<T>(run: () => T | Promise<T>): Promise<T | Response> {
  try {
    return await run();
  } catch (error) {
    if (PrecinctError.hasCode(error, "invalid_input")) return text(400, error.message);
    throw error;
  }
}

function page(status: number, title: string, body: string): Response {
  return new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${body}</p></body></html>`,
    { status, headers: { "content-type": "text/html; charset=utf-8" } },
  );
}

function forbidden(): Response {
  return text(403, "Webhook signature missing or invalid");
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
