import { InvalidInputError, PrecinctError } from "@precinct/core";
import Twilio from "twilio";
import { describe, expect, it } from "vitest";
import { mapTwilioError, TWILIO_FAILURE_REASONS, twilioFailureReason } from "../src/index.js";

// The SDK builds RestException from the HTTP response, exactly like this.
const restException = (statusCode: number, body: unknown) => new Twilio.RestException({ statusCode, body });

describe("mapTwilioError", () => {
  it("reads code, status and more_info from the SDK's RestException", () => {
    const error = mapTwilioError(
      restException(400, {
        code: 21610,
        message: "Attempt to send to unsubscribed recipient",
        more_info: "https://www.twilio.com/docs/errors/21610",
        status: 400,
      }),
      "send",
    );
    expect(error).toMatchObject({
      code: "opted_out",
      isRetryable: false,
      statusCode: 400,
      providerCode: 21610,
      details: { failureReason: "opted_out", moreInfo: "https://www.twilio.com/docs/errors/21610" },
    });
    expect(error.message).toContain("Attempt to send to unsubscribed recipient");
  });

  it("reads Twilio's RFC 9457 errors (TwilioServiceException shape)", () => {
    const problem = Object.assign(new Error("[HTTP 429] Too Many Requests"), {
      type: "https://www.twilio.com/docs/errors/20429",
      title: "Too Many Requests",
      status: 429,
      code: 20429,
      detail: "Concurrency limit reached",
    });
    expect(mapTwilioError(problem, "send")).toMatchObject({
      code: "rate_limited",
      isRetryable: true,
      providerCode: 20429,
    });
  });

  it("treats an error body that is not JSON as a plain HTTP status", () => {
    const error = mapTwilioError(restException(502, "<html>Bad gateway</html>"), "lookup");
    expect(error).toMatchObject({
      code: "provider",
      isRetryable: true,
      statusCode: 502,
      providerCode: undefined,
    });
    expect(error.details).not.toHaveProperty("failureReason");
  });

  it("maps an axios error without a response (network) as retryable, and one with a response by its status", () => {
    const network = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      isAxiosError: true,
      code: "ECONNREFUSED",
    });
    expect(mapTwilioError(network, "send")).toMatchObject({ code: "provider", isRetryable: true });
    const withResponse = Object.assign(new Error("Request failed with status code 400"), {
      isAxiosError: true,
      status: 400,
      response: { status: 400, data: { code: 21211, message: "Invalid 'To' Phone Number" } },
    });
    expect(mapTwilioError(withResponse, "send")).toMatchObject({
      code: "invalid_recipient",
      providerCode: 21211,
      details: { failureReason: "invalid_recipient" },
    });
  });

  it("maps an unexpected exception to a non-retryable provider error and passes PrecinctErrors through", () => {
    const unexpected = new TypeError("Required parameter \"params['to']\" missing.");
    const mapped = mapTwilioError(unexpected, "send");
    expect(mapped).toMatchObject({ code: "provider", isRetryable: false });
    expect(mapped.cause).toBe(unexpected);
    const own = new InvalidInputError({ field: "to", value: "", reason: "is empty" });
    expect(mapTwilioError(own, "send")).toBe(own);
    expect(PrecinctError.isInstance(mapTwilioError("a string", "findSent"))).toBe(true);
  });
});

describe("twilioFailureReason", () => {
  it("maps every listed code, other codes to provider, and no code to undefined", () => {
    expect(TWILIO_FAILURE_REASONS).toMatchObject({
      "21610": "opted_out",
      "21211": "invalid_recipient",
      "21614": "not_sms_capable",
      "21635": "not_sms_capable",
      "30003": "unreachable",
      "30006": "not_sms_capable",
      "30007": "carrier_filtered",
      "30034": "provider",
    });
    expect(twilioFailureReason(30007)).toBe("carrier_filtered");
    expect(twilioFailureReason("30008")).toBe("provider");
    expect(twilioFailureReason("0")).toBeUndefined();
    expect(twilioFailureReason("")).toBeUndefined();
    expect(twilioFailureReason(undefined)).toBeUndefined();
  });
});
