export {
  nodeListener,
  type RequestHandler,
  type RunningServer,
  type ServeOptions,
  serveWebhooks,
} from "./node-server.js";
export { type WebhookRoute, WebhookRouter, type WebhookRouterOptions } from "./router.js";
