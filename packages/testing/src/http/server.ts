/**
 * A plain `node:http` server around a web-standard handler (`Request → Response`), so an imitation can
 * be reached over a real socket: from a benchmark, from a child process, or from an SDK pointed at it
 * with a base URL instead of msw.
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** Where and how to listen. */
export interface ImitationServerOptions {
  /** The port. Default 0: any free port (read it from {@link ImitationServer.url}). */
  readonly port?: number;
  /** The interface to bind. Default `127.0.0.1`. */
  readonly host?: string;
}

/** A running imitation server. */
export interface ImitationServer {
  /** The server's origin, e.g. `http://127.0.0.1:53117`, to use as an adapter's `baseUrl`. */
  readonly url: string;
  /** Stops listening and closes every connection, including idle keep-alive ones. */
  close(): Promise<void>;
}

/**
 * Serves `handle` over HTTP/1.1 with keep-alive. A `Response.error()` from the handler becomes a dropped
 * connection, which is what a client sees when the network fails.
 *
 * @param handle - The web-standard handler, e.g. an imitation's `handle`.
 * @param options - Port and host.
 * @returns The server's URL and a `close()` function, once it listens.
 */
export async function startImitationServer(
  handle: (request: Request) => Promise<Response>,
  options: ImitationServerOptions = {},
): Promise<ImitationServer> {
  const host = options.host ?? "127.0.0.1";
  const sockets = new Set<Socket>();
  let origin = "";
  const server = createServer({ keepAlive: true }, (req, res) => {
    void respond(handle, origin, req, res);
  });
  // Benchmarks keep connections open between bursts; Node's 5 s default would close them mid-run.
  server.keepAliveTimeout = 60_000;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === "IPv6" ? `[${address.address}]` : address.address;
  origin = `http://${hostPart}:${address.port}`;
  return {
    url: origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      }),
  };
}

async function respond(
  handle: (request: Request) => Promise<Response>,
  origin: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const requestHeaders = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) requestHeaders.append(name, item);
    }
    const method = req.method ?? "GET";
    const hasBody = method !== "GET" && method !== "HEAD" && chunks.length > 0;
    const request = new Request(new URL(req.url ?? "/", origin), {
      method,
      headers: requestHeaders,
      ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
    });
    const response = await handle(request);
    if (response.type === "error") {
      // What a network failure looks like to the client: the connection drops without a response.
      req.socket.destroy();
      return;
    }
    const body = Buffer.from(await response.arrayBuffer());
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    res.writeHead(response.status, headers);
    res.end(body);
  } catch (error) {
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end(`imitation server error: ${error instanceof Error ? error.message : String(error)}`);
  }
}
