/**
 * The reply classifier: decides whether an inbound text opts out (STOP and any reasonable plain-language
 * revocation, FCC order 24-18), opts back in, asks for help, or is an ordinary reply.
 *
 * @module
 */
export {
  type ClassifyReplyOptions,
  classifyReply,
  type ReplyClassification,
  type ReplyIntent,
} from "./classify-reply.js";
export {
  HELP_KEYWORDS,
  type HelpKeyword,
  OPT_IN_KEYWORDS,
  OPT_OUT_KEYWORDS,
  type OptInKeyword,
  type OptOutKeyword,
} from "./keywords.js";
