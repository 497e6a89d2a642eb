import { describe, expect, it } from "vitest";
import { parseEnv } from "../../app/env.schema";

const VALID = {
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://app.example.com",
  SESSION_SECRET: "x".repeat(32),
};

describe("RESEND_WEBHOOK_SECRET", () => {
  it("is optional: unset or empty leaves the Resend webhook unconfigured", () => {
    for (const value of [undefined, ""]) {
      const result = parseEnv({ ...VALID, RESEND_WEBHOOK_SECRET: value });
      expect(result).toMatchObject({ ok: true, env: { RESEND_WEBHOOK_SECRET: undefined } });
    }
  });

  it("takes Resend's whsec_ secret as shown in its dashboard", () => {
    const secret = `whsec_${Buffer.from("a signing secret").toString("base64")}`;
    expect(parseEnv({ ...VALID, RESEND_WEBHOOK_SECRET: secret })).toMatchObject({ ok: true, env: { RESEND_WEBHOOK_SECRET: secret } });
  });

  it.each(["re_123", "whsec_", "whsec_not base64!", "c2VjcmV0"])("refuses %s at start, naming the variable", (value) => {
    const result = parseEnv({ ...VALID, RESEND_WEBHOOK_SECRET: value });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([expect.stringMatching(/^RESEND_WEBHOOK_SECRET must be Resend's signing secret/)]);
  });
});
