/**
 * Dialer settings of a phone bank, validated when it is created.
 *
 * @module
 */
import { z } from "zod";

/** A recorded message: text the provider speaks, or an audio file it plays. */
export const RecordedMessage = z.union([
  z
    .object({
      /** Text to speak. */
      say: z.string().trim().min(1),
      /** BCP 47 language (`en-US`, `es-US`). */
      language: z.string().min(2).optional(),
    })
    .strict(),
  z
    .object({
      /** Public URL of a recording. */
      play: z.url(),
    })
    .strict(),
]);
/** A recorded message. */
export type RecordedMessage = z.infer<typeof RecordedMessage>;

/** Pacing of a predictive phone bank. */
export const PredictiveSettings = z
  .object({
    /** Lines per free volunteer to start with. Default 1.5. */
    initialRatio: z.number().min(1).max(5).default(1.5),
    /** The most lines per free volunteer the pacer ever dials. Default 3. */
    maxRatio: z.number().min(1).max(5).default(3),
    /**
     * The abandonment rate the pacer steers for (abandoned ÷ answered by a person, rolling 30 days).
     * The ratio is lowered when the measured rate is above it. Default 0.02, kept below the cap.
     */
    targetAbandonmentRate: z.number().min(0).max(0.03).default(0.02),
    /**
     * The legal cap (FTC/FCC: 3% of calls answered by a person, per campaign, per 30 days). A line beyond
     * one per free volunteer is dialed only when, even if every such line in flight were abandoned, the rate
     * would stay at or under it. Default 0.03; it can only be lowered.
     */
    abandonmentCap: z.number().min(0).max(0.03).default(0.03),
  })
  .strict();
/** Pacing of a predictive phone bank. */
export type PredictiveSettings = z.infer<typeof PredictiveSettings>;

/** The dialer settings of a phone bank. */
export const PhoneBankSettings = z
  .object({
    /** Calls per contact before it is left at its retry limit. Default 3. */
    maxAttempts: z.number().int().min(1).max(20).default(3),
    /** Minutes before a contact that was not reached is called again. Default 240 (4 hours). */
    retryDelayMinutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 14)
      .default(240),
    /** Seconds a contact's phone rings before the call counts as unanswered (the FCC expects ≥ 15). Default 25. */
    ringTimeoutSeconds: z.number().int().min(15).max(120).default(25),
    /** Ask the transport to detect answering machines (when it can). Default true. */
    machineDetection: z.boolean().default(true),
    /**
     * The message left on an answering machine, after the greeting (null: hang up and record `machine`).
     * Needs machine detection. When the machine is known only after the call was put through
     * (asynchronous detection, Twilio's default) the transport must also be able to `redirect` a live call;
     * without that such a machine is hung up and recorded `machine`.
     */
    voicemail: RecordedMessage.nullable().default(null),
    /**
     * The message played at once when a person answers and no volunteer is free (predictive dialing). It
     * must say who is calling and give a number to call to be taken off the list. Default: the
     * organization's name and the caller id.
     */
    abandonMessage: RecordedMessage.nullable().default(null),
    /** Predictive pacing (used only by `predictive` phone banks). */
    predictive: PredictiveSettings.default({
      initialRatio: 1.5,
      maxRatio: 3,
      targetAbandonmentRate: 0.02,
      abandonmentCap: 0.03,
    }),
  })
  .strict();
/** The dialer settings of a phone bank. */
export type PhoneBankSettings = z.infer<typeof PhoneBankSettings>;
/** What `phonebanks.create()` accepts as settings: every field optional. */
export type PhoneBankSettingsInput = z.input<typeof PhoneBankSettings>;
