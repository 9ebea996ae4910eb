/**
 * Imitations of vendors' HTTP APIs: a web-standard `handle(request)` per vendor, msw handlers around it,
 * and a plain `node:http` server around the same handler.
 *
 * @module
 */
export * from "./gmail.js";
export {
  createSendGridImitation,
  SENDGRID_EVENT_SIGNATURE_HEADER,
  SENDGRID_EVENT_TIMESTAMP_HEADER,
  type SendGridAddress,
  type SendGridErrorEntry,
  type SendGridEventInput,
  type SendGridFailure,
  type SendGridForgery,
  type SendGridImitation,
  type SendGridImitationMessage,
  type SendGridImitationOptions,
  type SendGridImitationRequest,
  type SendGridImitationSuppression,
  type SendGridOperation,
  type SendGridWebhook,
  type SendGridWebhookOptions,
  sendGridHandlers,
  startSendGridImitationServer,
} from "./sendgrid.js";
export { type ImitationServer, type ImitationServerOptions, startImitationServer } from "./server.js";
export {
  createTwilioImitation,
  startTwilioImitationServer,
  type TwilioAmdInput,
  type TwilioAnsweredBy,
  type TwilioCallOutcome,
  type TwilioCallResource,
  type TwilioCallStatus,
  type TwilioCallStatusInput,
  type TwilioFailure,
  type TwilioForgery,
  type TwilioImitation,
  type TwilioImitationCall,
  type TwilioImitationConference,
  type TwilioImitationMessage,
  type TwilioImitationOptions,
  type TwilioImitationRequest,
  type TwilioInboundInput,
  type TwilioLineType,
  type TwilioLineTypeSetting,
  type TwilioMessageResource,
  type TwilioMessageStatus,
  type TwilioOperation,
  type TwilioPostedWebhook,
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
