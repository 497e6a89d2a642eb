import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signProfileToken, verifyProfileToken } from "./profile-token";

const secret = "a-test-secret-that-is-long-enough-123";
const now = new Date("2025-03-01T12:00:00Z");
const expiresAt = new Date("2025-03-31T12:00:00Z");
const token = signProfileToken({ shopId: "shop_1", profileId: "prof_1", expiresAt }, secret);

describe("profile tokens", () => {
  it("round-trips: a token verifies for its shop before it expires", () => {
    expect(verifyProfileToken(token, { secret, shopId: "shop_1", now })).toEqual({ ok: true, profileId: "prof_1", expiresAt });
    expect(token).toMatch(/^[\w-]+\.[\w-]+$/); // URL-safe as is
  });

  it("rejects a token at and after its expiry", () => {
    expect(verifyProfileToken(token, { secret, shopId: "shop_1", now: expiresAt })).toEqual({ ok: false, reason: "expired" });
    expect(verifyProfileToken(token, { secret, shopId: "shop_1", now: new Date("2026-01-01T00:00:00Z") })).toMatchObject({ ok: false, reason: "expired" });
  });

  it("rejects a token for another shop", () => {
    expect(verifyProfileToken(token, { secret, shopId: "shop_2", now })).toEqual({ ok: false, reason: "wrong_shop" });
  });

  it("rejects another secret's signature", () => {
    expect(verifyProfileToken(token, { secret: `${secret}x`, shopId: "shop_1", now })).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("rejects edited claims: another profile id with the old signature", () => {
    const [, signature] = token.split(".");
    const forgedBody = Buffer.from(JSON.stringify({ s: "shop_1", p: "prof_2", e: 1900000000 })).toString("base64url");
    expect(verifyProfileToken(`${forgedBody}.${signature}`, { secret, shopId: "shop_1", now })).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("rejects a bare HMAC of the body (the signature is bound to its purpose)", () => {
    const [body] = token.split(".");
    const plain = createHmac("sha256", secret).update(body).digest("base64url");
    expect(verifyProfileToken(`${body}.${plain}`, { secret, shopId: "shop_1", now })).toMatchObject({ ok: false, reason: "bad_signature" });
  });

  it.each(["", "abc", "a.b.c", "a b.c", `${token}.`, "x".repeat(2000), `${token.split(".")[0]}.`])(
    "rejects malformed input %#",
    (bad) => {
      const result = verifyProfileToken(bad, { secret, shopId: "shop_1", now });
      expect(result.ok).toBe(false);
    },
  );

  it("rejects a well-signed body that is not our claims", () => {
    const body = Buffer.from(JSON.stringify({ s: "shop_1", p: "prof_1" })).toString("base64url");
    const sig = createHmac("sha256", secret).update(`profile-token.v1.${body}`).digest("base64url");
    expect(verifyProfileToken(`${body}.${sig}`, { secret, shopId: "shop_1", now })).toEqual({ ok: false, reason: "malformed" });
  });
});
