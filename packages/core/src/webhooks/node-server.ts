/**
 * Serving the webhook router from Node's `http` module, for `precinct serve` and scripts that have no web
 * framework.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/** Anything with a web-standard `handle(request)`: a {@link WebhookRouter}. */
export interface RequestHandler {
  /** Turns a request into a response. */
  handle(request: Request): Promise<Response>;
}

/** A running server. */
export interface RunningServer {
  /** The local URL it listens on (`http://127.0.0.1:8787`). */
  readonly url: string;
  /** The Node server. */
  readonly server: Server;
  /** Stops accepting connections and resolves once open ones are closed. */
  close(): Promise<void>;
}

/** Options of {@link serveWebhooks}. */
export interface ServeOptions {
  /** Port; 0 picks a free one. Default 8787. */
  readonly port?: number;
  /** Interface to listen on. Default `127.0.0.1` (put a TLS proxy or tunnel in front for providers). */
  readonly host?: string;
  /** Largest body accepted, in bytes. Default 1 MiB (providers post small forms and JSON). */
  readonly maxBodyBytes?: number;
}

/**
 * A Node `(req, res)` listener around a web-standard handler: it reads the raw body, builds a `Request`
 * and writes the `Response` back. Mount it in an existing `http.Server` or Express app.
 */
export function nodeListener(
  handler: RequestHandler,
  options: Pick<ServeOptions, "maxBodyBytes"> = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  return (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        if (!refused) {
          refused = true;
          res.writeHead(413, { "content-type": "text/plain; charset=utf-8" }).end("Payload too large");
          req.destroy();
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (refused) return;
      const host = req.headers.host ?? "localhost";
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else if (value !== undefined) headers.set(name, value);
      }
      const method = req.method ?? "GET";
      const request = new Request(`http://${host}${req.url ?? "/"}`, {
        method,
        headers,
        ...(method === "GET" || method === "HEAD" ? {} : { body: Buffer.concat(chunks) }),
      });
      handler
        .handle(request)
        .then(async (response) => {
          const body = Buffer.from(await response.arrayBuffer());
          const out: Record<string, string> = {};
          response.headers.forEach((value, name) => {
            out[name] = value;
          });
          res.writeHead(response.status, out).end(body);
        })
        .catch(() => {
          res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("internal error");
        });
    });
  };
}

/**
 * Serves a webhook router over HTTP.
 *
 * @example
 * ```ts
 * const router = precinct.webhooks({ publicUrl: "https://organize.example.org" });
 * const server = await serveWebhooks(router, { port: 8787 });
 * console.log(`listening on ${server.url}`);
 * ```
 */
export async function serveWebhooks(
  handler: RequestHandler,
  options: ServeOptions = {},
): Promise<RunningServer> {
  const server = createServer(nodeListener(handler, options));
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8787, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : (options.port ?? 8787);
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
