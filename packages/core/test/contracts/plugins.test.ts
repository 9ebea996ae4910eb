import { describe, expect, it } from "vitest";
import {
  assertSpecificationVersion,
  hasCapability,
  type PrecinctPlugins,
  type SmsTransport,
  SUPPORTED_SPECIFICATION_VERSIONS,
  validatePlugin,
  validatePlugins,
} from "../../src/spec/contracts/index.js";
import { ConfigError, PrecinctError, UnsupportedSpecificationError } from "../../src/spec/errors.js";

const sms = (extra: Record<string, unknown> = {}): SmsTransport =>
  ({
    specificationVersion: "v1",
    provider: "test",
    send: async () => ({ providerId: "SM1", status: "queued", segments: 1 }),
    ...extra,
  }) as SmsTransport;

const publisher = { specificationVersion: "v1", provider: "x", publish: async () => ({}) };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("assertSpecificationVersion", () => {
  it("accepts a supported version", () => {
    expect(() =>
      assertSpecificationVersion("SmsTransport", { specificationVersion: "v1" }, ["v1"]),
    ).not.toThrow();
  });

  it("throws UnsupportedSpecificationError for an unknown or missing version", () => {
    for (const version of ["v2", "V1", 1, undefined, null]) {
      const error = thrown(() =>
        assertSpecificationVersion("SmsTransport", { specificationVersion: version }, ["v1"]),
      );
      expect(error).toBeInstanceOf(UnsupportedSpecificationError);
      expect(PrecinctError.hasCode(error, "unsupported_specification")).toBe(true);
      expect((error as Error).message).toContain("SmsTransport");
      expect((error as Error).message).toContain("v1");
    }
  });

  it("lists v1 for every contract", () => {
    for (const versions of Object.values(SUPPORTED_SPECIFICATION_VERSIONS)) expect(versions).toContain("v1");
  });
});

describe("validatePlugins", () => {
  it("returns valid plugins unchanged", () => {
    const plugins: PrecinctPlugins = { sms: sms(), social: [publisher as never] };
    expect(validatePlugins(plugins)).toBe(plugins);
    expect(validatePlugins({})).toEqual({});
    expect(validatePlugins({ sms: undefined })).toEqual({ sms: undefined });
  });

  it("names the plugin key when the specification version is unsupported", () => {
    const error = thrown(() => validatePlugins({ sms: sms({ specificationVersion: "v9" }) }));
    expect(error).toBeInstanceOf(UnsupportedSpecificationError);
    expect((error as Error).message).toContain("plugins.sms");
  });

  it("names the plugin key and method when a required method is missing", () => {
    const error = thrown(() => validatePlugins({ sms: sms({ send: "nope" }) }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(PrecinctError.hasCode(error, "invalid_config")).toBe(true);
    expect((error as Error).message).toMatch(/plugins\.sms.*`send`/);
    expect((error as ConfigError).details).toMatchObject({ plugin: "plugins.sms", contract: "SmsTransport" });
  });

  it("refuses a missing provider, a non-object plugin, and optional members of the wrong type", () => {
    expect(() => validatePlugins({ sms: sms({ provider: "" }) })).toThrow(/plugins\.sms.*provider/);
    expect(() => validatePlugins({ sms: "twilio" as never })).toThrow(ConfigError);
    expect(() => validatePlugins({ sms: sms({ parseInbound: true }) })).toThrow(/parseInbound/);
    expect(() => validatePlugins({ sms: sms({ handlesKeywords: "yes" }) })).toThrow(/handlesKeywords/);
    expect(() =>
      validatePlugins({
        email: {
          specificationVersion: "v1",
          provider: "e",
          send: async () => ({ results: [] }),
          maxBatchSize: 0,
        },
      }),
    ).toThrow(/maxBatchSize/);
    expect(() =>
      validatePlugins({
        voice: {
          specificationVersion: "v1",
          provider: "v",
          call: async () => ({ providerId: "CA1", status: "queued" }),
          answerInstructions: () => ({ contentType: "text/plain", body: "" }),
          conference: { join: async () => {} } as never,
        },
      }),
    ).toThrow(/conference\.add/);
  });

  it("names the index of a bad plugin in a list slot and refuses a non-array", () => {
    const error = thrown(() =>
      validatePlugins({
        social: [publisher as never, { ...publisher, specificationVersion: "v0" } as never],
      }),
    );
    expect(error).toBeInstanceOf(UnsupportedSpecificationError);
    expect((error as Error).message).toContain("plugins.social[1]");
    expect(() => validatePlugins({ social: publisher as never })).toThrow(/plugins\.social must be an array/);
  });

  it("refuses unknown keys such as typos", () => {
    expect(() => validatePlugins({ mail: sms() } as never)).toThrow(/plugins\.mail is not a plugin slot/);
    expect(() => validatePlugins(null as never)).toThrow(ConfigError);
  });

  it("validates a single plugin against a named contract", () => {
    expect(() => validatePlugin("JobQueue", { specificationVersion: "v1", provider: "m", add() {} })).toThrow(
      /JobQueue.*`process`/,
    );
  });
});

describe("hasCapability", () => {
  it("is true for present optional methods, true flags and capability objects", () => {
    const transport = sms({ parseInbound: () => ({}), handlesKeywords: true });
    expect(hasCapability(transport, "parseInbound")).toBe(true);
    expect(hasCapability(transport, "handlesKeywords")).toBe(true);
    expect(hasCapability(transport, "verifyWebhook")).toBe(false);
    expect(hasCapability(sms({ handlesKeywords: false }), "handlesKeywords")).toBe(false);
  });

  it("narrows the type so the capability can be called", async () => {
    const transport = sms({ lookup: async () => ({ lineType: "landline" }) });
    if (!hasCapability(transport, "lookup")) throw new Error("expected lookup");
    await expect(transport.lookup("+19195550123")).resolves.toEqual({ lineType: "landline" });
  });
});
