/**
 * Lenient zod schemas for what Google answers: the Gmail `Message` resource returned by
 * `users.messages.send`, Google's JSON error body, and the OAuth token endpoint's error body. Lenient on
 * purpose: Google adds fields, and only the ones read here matter.
 *
 * @internal
 * @module
 */

import { z } from "zod";

/** The part of Gmail's `Message` resource a send returns: `{ id, threadId, labelIds }`. */
export const GmailSentMessage = z.looseObject({
  id: z.string().min(1),
  threadId: z.string().nullish(),
  labelIds: z.array(z.string()).nullish(),
});

/** Google's API error body: `{ error: { code, message, errors: [{ reason, domain, message }], status } }`. */
export const GoogleApiErrorBody = z.looseObject({
  error: z.looseObject({
    code: z.number().nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
    errors: z
      .array(
        z.looseObject({
          reason: z.string().nullish(),
          domain: z.string().nullish(),
          message: z.string().nullish(),
        }),
      )
      .nullish(),
  }),
});

/** The OAuth 2.0 token endpoint's error body (RFC 6749 §5.2): `{ error, error_description }`. */
export const GoogleOAuthErrorBody = z.looseObject({
  error: z.string(),
  error_description: z.string().nullish(),
});
