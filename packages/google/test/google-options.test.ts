import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@precinct/core";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createGoogle, type GoogleProviderSettings } from "../src/index.js";
import { MAILBOX, syntheticServiceAccount } from "./helpers.js";

const account = syntheticServiceAccount();
const serviceAccount = { clientEmail: account.clientEmail, privateKey: account.privateKey };
const keyFileJson = {
  type: "service_account",
  project_id: "precinct-test",
  private_key_id: "0123456789abcdef",
  private_key: account.privateKey,
  client_email: account.clientEmail,
  client_id: "100000000000000000001",
  token_uri: "https://oauth2.googleapis.com/token",
};
const dir = mkdtempSync(join(tmpdir(), "precinct-google-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VARIABLES = [
  "GOOGLE_APPLICATION_CREDENTIALS",
  "GOOGLE_SERVICE_ACCOUNT_KEY",
  "GOOGLE_CLIENT_ID",
  "GOOGLE_CLIENT_SECRET",
  "GOOGLE_REFRESH_TOKEN",
];
beforeEach(() => {
  for (const variable of VARIABLES) vi.stubEnv(variable, "");
});
afterEach(() => vi.unstubAllEnvs());

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

function writeJson(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

describe("createGoogle settings", () => {
  it("names every way to authenticate when there are no credentials", () => {
    const error = configError(() => createGoogle());
    expect(error.message).toContain("GOOGLE_APPLICATION_CREDENTIALS");
    expect(error.message).toContain("createGoogle({ serviceAccount })");
    expect(error.details.variables).toEqual(VARIABLES);
  });

  it("accepts a service account as fields, as a parsed key file, or as the key file's text", () => {
    for (const value of [serviceAccount, keyFileJson, JSON.stringify(keyFileJson)]) {
      const google = createGoogle({ serviceAccount: value as GoogleProviderSettings["serviceAccount"] });
      expect(google.credentials).toBe("serviceAccount");
      expect(google.serviceAccountEmail).toBe(account.clientEmail);
    }
  });

  it("accepts a private key whose line breaks were pasted as \\n", () => {
    const escaped = account.privateKey.replace(/\n/g, "\\n");
    const google = createGoogle({ serviceAccount: { ...serviceAccount, privateKey: escaped } });
    expect(google.gmail({ mailbox: MAILBOX }).mailbox).toBe(MAILBOX);
  });

  it("refuses a private key that is not PEM, without printing it", () => {
    const error = configError(() =>
      createGoogle({ serviceAccount: { ...serviceAccount, privateKey: "not-a-key-but-a-secret-value" } }),
    );
    expect(error.details.setting).toBe("serviceAccount.privateKey");
    expect(error.message).toMatch(/not a PEM private key/);
    expect(error.message).not.toContain("secret-value");
  });

  it("names the field of a malformed key, in the shape it was given", () => {
    expect(
      configError(() => createGoogle({ serviceAccount: { ...serviceAccount, clientEmail: "nope" } })).message,
    ).toContain("`serviceAccount.clientEmail`");
    const snake = configError(() =>
      createGoogle({
        serviceAccount: { ...keyFileJson, client_email: "nope" } as GoogleProviderSettings["serviceAccount"],
      }),
    );
    expect(snake.message).toContain("`serviceAccount.client_email`");
    expect(configError(() => createGoogle({ serviceAccount: "{not json" })).message).toMatch(
      /not valid JSON/,
    );
  });

  it("refuses two ways to authenticate, unknown settings and a bad baseUrl", () => {
    const two = configError(() =>
      createGoogle({ serviceAccount, oauth2: { clientId: "c", clientSecret: "s", refreshToken: "r" } }),
    );
    expect(two.message).toContain("`serviceAccount` and `oauth2`");
    const unknown = configError(() =>
      createGoogle({ serviceAccount, apiKey: "x" } as GoogleProviderSettings),
    );
    expect(unknown.message).toContain("unknown setting `apiKey`");
    const url = configError(() => createGoogle({ serviceAccount, baseUrl: "ftp://example.org" }));
    expect(url.details.setting).toBe("baseUrl");
    const client = configError(() => createGoogle({ authClient: {} as never }));
    expect(client.details.setting).toBe("authClient");
  });

  it("never puts an OAuth secret in an error message", () => {
    const error = configError(() =>
      createGoogle({
        oauth2: { clientId: "", clientSecret: "very-secret-client-secret", refreshToken: "1//refresh" },
      }),
    );
    expect(error.message).toContain("`oauth2.clientId`");
    expect(error.message).not.toContain("very-secret");
  });

  it("reads service_account and authorized_user key files, and names a bad one", () => {
    expect(createGoogle({ keyFile: writeJson("sa.json", keyFileJson) }).credentials).toBe("serviceAccount");
    const user = writeJson("user.json", {
      type: "authorized_user",
      client_id: "1234-precinct.apps.googleusercontent.com",
      client_secret: "test-secret",
      refresh_token: "1//test-refresh",
    });
    expect(createGoogle({ keyFile: user }).credentials).toBe("oauth2");
    const other = writeJson("external.json", { type: "external_account" });
    expect(configError(() => createGoogle({ keyFile: other })).message).toContain('"external_account"');
    const missing = configError(() => createGoogle({ keyFile: join(dir, "absent.json") }));
    expect([missing.details.setting, missing.message.includes("cannot read")]).toEqual(["keyFile", true]);
  });
});

describe("createGoogle environment", () => {
  it("uses GOOGLE_APPLICATION_CREDENTIALS, GOOGLE_SERVICE_ACCOUNT_KEY, or the OAuth2 variables", () => {
    vi.stubEnv("GOOGLE_APPLICATION_CREDENTIALS", writeJson("env-sa.json", keyFileJson));
    expect(createGoogle().credentials).toBe("serviceAccount");
    vi.stubEnv("GOOGLE_SERVICE_ACCOUNT_KEY", JSON.stringify(keyFileJson));
    expect(createGoogle().serviceAccountEmail).toBe(account.clientEmail);
    vi.stubEnv("GOOGLE_CLIENT_ID", "1234-precinct.apps.googleusercontent.com");
    vi.stubEnv("GOOGLE_CLIENT_SECRET", "test-secret");
    vi.stubEnv("GOOGLE_REFRESH_TOKEN", "1//test-refresh");
    expect(createGoogle().credentials).toBe("oauth2");
  });

  it("names the OAuth2 variables that are missing", () => {
    vi.stubEnv("GOOGLE_CLIENT_ID", "1234-precinct.apps.googleusercontent.com");
    const error = configError(() => createGoogle());
    expect(error.details.variables).toEqual(["GOOGLE_CLIENT_SECRET", "GOOGLE_REFRESH_TOKEN"]);
    expect(error.message).toContain("GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN");
  });

  it("names the variable that holds a broken key", () => {
    vi.stubEnv("GOOGLE_SERVICE_ACCOUNT_KEY", JSON.stringify({ ...keyFileJson, private_key: "broken" }));
    const error = configError(() => createGoogle());
    expect(error.message).toContain("GOOGLE_SERVICE_ACCOUNT_KEY");
    expect(error.details.setting).toBe("GOOGLE_SERVICE_ACCOUNT_KEY.privateKey");
  });
});

describe("gmail options", () => {
  const oauth2 = {
    clientId: "1234-precinct.apps.googleusercontent.com",
    clientSecret: "s",
    refreshToken: "r",
  };

  it("requires a mailbox with a service account, and refuses one otherwise", () => {
    expect(configError(() => createGoogle({ serviceAccount }).gmail()).details.setting).toBe("mailbox");
    const google = createGoogle({ oauth2 });
    expect(configError(() => google.gmail({ mailbox: MAILBOX })).message).toContain("service accounts only");
    expect(google.gmail().mailbox).toBeUndefined();
  });

  it("validates maxBatchSize, messageIdDomain and unknown options", () => {
    const google = createGoogle({ oauth2 });
    expect(google.gmail().maxBatchSize).toBe(1);
    expect(google.gmail({ maxBatchSize: 100 }).maxBatchSize).toBe(100);
    for (const maxBatchSize of [0, 101, 1.5]) {
      expect(configError(() => google.gmail({ maxBatchSize })).details.setting).toBe("maxBatchSize");
    }
    expect(configError(() => google.gmail({ messageIdDomain: "not a domain" })).details.setting).toBe(
      "messageIdDomain",
    );
    expect(configError(() => google.gmail({ from: "x" } as never)).message).toContain(
      "unknown setting `from`",
    );
  });
});
