/**
 * Lenient schemas of what the adapter reads from Twilio: the webhook forms Twilio posts (inbound message,
 * status callback) and the fields of the SDK's Message and PhoneNumber (Lookup v2) instances. Lenient:
 * unknown fields pass through (Twilio adds fields over time), only what the adapter uses is checked.
 *
 * @module
 */

import { z } from "zod";

/** The form Twilio posts to a number's or Messaging Service's inbound-message webhook. */
export const TwilioInboundWebhook = z.looseObject({
  /** The message sid (`SM…`, or `MM…` with media). */
  MessageSid: z.string().min(1).optional(),
  /** The older name of the message sid, still sent. */
  SmsSid: z.string().min(1).optional(),
  /** The sender, E.164. */
  From: z.string().min(1),
  /** Our number (or short code) that received it. */
  To: z.string().min(1),
  /** The text; empty for a picture without words. */
  Body: z.string(),
  /** How many media are attached; their URLs are `MediaUrl0` … `MediaUrl{n-1}`. */
  NumMedia: z.string().regex(/^\d+$/).optional(),
  /** `received` on inbound messages. */
  SmsStatus: z.string().optional(),
  /** Set on status callbacks, never on inbound messages. */
  MessageStatus: z.string().optional(),
});

/** {@link TwilioInboundWebhook}'s parsed form. */
export type TwilioInboundWebhook = z.output<typeof TwilioInboundWebhook>;

/** The form Twilio posts to a message's `StatusCallback`. */
export const TwilioStatusWebhook = z.looseObject({
  /** The message sid, as returned when the message was created. */
  MessageSid: z.string().min(1).optional(),
  /** The older name of the message sid. */
  SmsSid: z.string().min(1).optional(),
  /** The new status (`sent`, `delivered`, `undelivered`, `failed`, ...). */
  MessageStatus: z.string().min(1).optional(),
  /** The older name of the status. */
  SmsStatus: z.string().min(1).optional(),
  /** Twilio's error code for `failed`/`undelivered` (`30007`). */
  ErrorCode: z.string().optional(),
});

/** {@link TwilioStatusWebhook}'s parsed form. */
export type TwilioStatusWebhook = z.output<typeof TwilioStatusWebhook>;

// The SDK turns JSON into instances with camelCase fields; `date_sent: null` stays null, a missing date
// would become "now" (dayjs of undefined), which is why dates are checked here rather than trusted.
const sdkDate = z.date().nullish().catch(null);

/** The fields of the SDK's `MessageInstance` the adapter reads. */
export const TwilioMessage = z.looseObject({
  sid: z.string().min(1),
  status: z.string().nullish(),
  /** A string in Twilio's JSON (`"2"`); absent or `"0"` on some responses. */
  numSegments: z.union([z.string(), z.number()]).nullish(),
  body: z.string().nullish(),
  to: z.string().nullish(),
  from: z.string().nullish(),
  direction: z.string().nullish(),
  messagingServiceSid: z.string().nullish(),
  dateCreated: sdkDate,
  dateSent: sdkDate,
});

/** {@link TwilioMessage}'s parsed form. */
export type TwilioMessage = z.output<typeof TwilioMessage>;

/**
 * The fields of a send's answer the adapter reads. Checked on every message sent, so only these: the whole
 * {@link TwilioMessage} copies every field of the SDK's instance and checks two dates, about 2 µs against
 * 0.2 µs.
 */
export const TwilioSendReply = z.object({
  sid: z.string().min(1),
  status: z.string().nullish(),
  numSegments: z.union([z.string(), z.number()]).nullish(),
});

/** The fields of the SDK's Lookup v2 `PhoneNumberInstance` the adapter reads. */
export const TwilioPhoneNumber = z.looseObject({
  phoneNumber: z.string().nullish(),
  valid: z.boolean().nullish(),
  lineTypeIntelligence: z
    .looseObject({
      type: z.string().nullish(),
      carrierName: z.string().nullish(),
      errorCode: z.union([z.number(), z.string()]).nullish(),
    })
    .nullish(),
});

/** {@link TwilioPhoneNumber}'s parsed form. */
export type TwilioPhoneNumber = z.output<typeof TwilioPhoneNumber>;
