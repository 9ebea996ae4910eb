/**
 * Imitations of vendors' HTTP APIs: a web-standard `handle(request)` per vendor, msw handlers around it,
 * and a plain `node:http` server around the same handler.
 *
 * @module
 */
export { type ImitationServer, type ImitationServerOptions, startImitationServer } from "./server.js";
export {
  createTwilioImitation,
  startTwilioImitationServer,
  type TwilioFailure,
  type TwilioForgery,
  type TwilioImitation,
  type TwilioImitationMessage,
  type TwilioImitationOptions,
  type TwilioImitationRequest,
  type TwilioInboundInput,
  type TwilioLineType,
  type TwilioLineTypeSetting,
  type TwilioMessageResource,
  type TwilioMessageStatus,
  type TwilioOperation,
  type TwilioStatusInput,
  type TwilioWebhook,
  type TwilioWebhookOptions,
  twilioErrorResponse,
  twilioHandlers,
} from "./twilio.js";
export {
  encodeTwilioForm,
  parseTwilioForm,
  signTwilioWebhook,
  TWILIO_SIGNATURE_HEADER,
  type TwilioParams,
} from "./twilio-signature.js";
