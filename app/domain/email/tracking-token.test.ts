import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signProfileToken } from "../profile-token";
import {
  MAX_TOKEN_LENGTH,
  MAX_TRACKED_URL_LENGTH,
  emailTracker,
  listUnsubscribeHeaders,
  preferencesUrl,
  signClickToken,
  signOpenToken,
  signUnsubscribeToken,
  unsubscribeUrl,
  verifyClickToken,
  verifyOpenToken,
  verifyUnsubscribeToken,
} from "./tracking-token";

const secret = "a-test-secret-that-is-long-enough-123";
const APP = "https://app.example";
const open = signOpenToken({ shopId: "shop_1", messageId: "msg_1" }, secret);
const click = signClickToken({ shopId: "shop_1", messageId: "msg_1", url: "https://shop.example/products/mug?utm_source=x" }, secret)!;
const unsubscribe = signUnsubscribeToken({ shopId: "shop_1", profileId: "prof_1", messageId: "msg_1" }, secret);

/** The token with one character of its body (or signature) replaced. */
function flip(token: string, part: 0 | 1, at = 3): string {
  const parts = token.split(".");
  const s = parts[part];
  parts[part] = s.slice(0, at) + (s[at] === "A" ? "B" : "A") + s.slice(at + 1);
  return parts.join(".");
}

/** A body we choose, signed the way a token of `context` is (what only the secret's holder can do). */
function forge(claims: object, context: string, key = createHmac("sha256", secret).update("email-links").digest()): string {
  const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const sig = createHmac("sha256", key).update(context + body).digest().subarray(0, 16).toString("base64url");
  return `${body}.${sig}`;
}

describe("email link tokens", () => {
  it("round-trip for each kind, URL-safe", () => {
    expect(verifyOpenToken(open, secret)).toEqual({ ok: true, claims: { shopId: "shop_1", messageId: "msg_1" } });
    expect(verifyClickToken(click, secret)).toEqual({
      ok: true,
      claims: { shopId: "shop_1", messageId: "msg_1", url: "https://shop.example/products/mug?utm_source=x" },
    });
    expect(verifyUnsubscribeToken(unsubscribe, secret)).toEqual({ ok: true, claims: { shopId: "shop_1", profileId: "prof_1", messageId: "msg_1" } });
    const noMessage = signUnsubscribeToken({ shopId: "shop_1", profileId: "prof_1", messageId: null }, secret);
    expect(verifyUnsubscribeToken(noMessage, secret)).toMatchObject({ ok: true, claims: { messageId: null } });
    for (const token of [open, click, unsubscribe]) expect(token).toMatch(/^[\w-]+\.[\w-]+$/);
  });

  it("are deterministic: the same message always gets the same URLs (a re-sent batch is the same request)", () => {
    expect(signOpenToken({ shopId: "shop_1", messageId: "msg_1" }, secret)).toBe(open);
    const ids = { secret, appUrl: APP, shopId: "shop_1", profileId: "prof_1", messageId: "msg_1" };
    expect(unsubscribeUrl(ids)).toBe(unsubscribeUrl({ ...ids }));
  });

  it("reject one changed character in the body or the signature", () => {
    for (const [token, verify] of [
      [open, verifyOpenToken],
      [click, verifyClickToken],
      [unsubscribe, verifyUnsubscribeToken],
    ] as const) {
      expect(verify(flip(token, 0), secret)).toEqual({ ok: false, reason: "bad_signature" });
      expect(verify(flip(token, 1), secret)).toEqual({ ok: false, reason: "bad_signature" });
      expect(verify(flip(token, 1, token.split(".")[1].length - 1), secret)).toEqual({ ok: false, reason: "bad_signature" });
    }
  });

  it("reject another message's or shop's claims under an existing signature", () => {
    const [, signature] = open.split(".");
    const body = (claims: object) => Buffer.from(JSON.stringify(claims)).toString("base64url");
    expect(verifyOpenToken(`${body({ k: "o", s: "shop_1", m: "msg_2" })}.${signature}`, secret)).toEqual({ ok: false, reason: "bad_signature" });
    expect(verifyOpenToken(`${body({ k: "o", s: "shop_2", m: "msg_1" })}.${signature}`, secret)).toEqual({ ok: false, reason: "bad_signature" });
    const [, clickSignature] = click.split(".");
    const elsewhere = body({ k: "c", s: "shop_1", m: "msg_1", u: "https://evil.example/" });
    expect(verifyClickToken(`${elsewhere}.${clickSignature}`, secret)).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("reject a token of one kind used as another", () => {
    expect(verifyClickToken(open, secret)).toEqual({ ok: false, reason: "wrong_kind" });
    expect(verifyOpenToken(click, secret)).toEqual({ ok: false, reason: "wrong_kind" });
    expect(verifyUnsubscribeToken(open, secret)).toEqual({ ok: false, reason: "wrong_kind" });
    expect(verifyOpenToken(unsubscribe, secret)).toEqual({ ok: false, reason: "wrong_kind" });
    // An open body signed in the click context is still not a click: its claims say "o".
    expect(verifyClickToken(forge({ k: "o", s: "shop_1", m: "msg_1" }, "email-click.v1."), secret)).toEqual({ ok: false, reason: "malformed" });
  });

  it("reject other secrets, the bare secret as key, and the profile token's signatures", () => {
    expect(verifyOpenToken(open, `${secret}x`)).toEqual({ ok: false, reason: "bad_signature" });
    const bareKey = forge({ k: "o", s: "shop_1", m: "msg_1" }, "email-open.v1.", Buffer.from(secret));
    expect(verifyOpenToken(bareKey, secret)).toEqual({ ok: false, reason: "bad_signature" });
    const profileToken = signProfileToken({ shopId: "shop_1", profileId: "prof_1", expiresAt: new Date("2030-01-01T00:00:00Z") }, secret);
    expect(verifyUnsubscribeToken(profileToken, secret).ok).toBe(false);
    expect(verifyOpenToken(profileToken, secret).ok).toBe(false);
  });

  it.each(["", "abc", "a.b.c", "a b.c", `${open}.`, `.${open.split(".")[1]}`, "é.x", `${open.split(".")[0]}.`])("reject malformed input %#", (bad) => {
    expect(verifyOpenToken(bad, secret)).toMatchObject({ ok: false });
    expect(verifyClickToken(bad, secret)).toMatchObject({ ok: false });
  });

  it("reject oversized tokens before any work", () => {
    expect(verifyClickToken("a".repeat(MAX_TOKEN_LENGTH + 1), secret)).toEqual({ ok: false, reason: "too_long" });
  });

  it("reject well-signed bodies that are not our claims, and signed non-web destinations", () => {
    expect(verifyOpenToken(forge({ k: "o", s: "shop_1" }, "email-open.v1."), secret)).toEqual({ ok: false, reason: "malformed" });
    expect(verifyOpenToken(forge({ k: "o", s: "shop_1", m: "m", extra: 1 }, "email-open.v1."), secret)).toEqual({ ok: false, reason: "malformed" });
    expect(verifyClickToken(forge({ k: "c", s: "shop_1", m: "m", u: "javascript:alert(1)" }, "email-click.v1."), secret)).toEqual({
      ok: false,
      reason: "unsafe_url",
    });
  });

  it("sign only http(s) destinations of bounded length", () => {
    const ids = { shopId: "shop_1", messageId: "msg_1" };
    expect(signClickToken({ ...ids, url: "javascript:alert(1)" }, secret)).toBeNull();
    expect(signClickToken({ ...ids, url: "mailto:a@b.example" }, secret)).toBeNull();
    expect(signClickToken({ ...ids, url: "/relative" }, secret)).toBeNull();
    expect(signClickToken({ ...ids, url: `https://a.example/${"x".repeat(MAX_TRACKED_URL_LENGTH)}` }, secret)).toBeNull();
    const longest = `https://a.example/${"x".repeat(MAX_TRACKED_URL_LENGTH - 18)}`;
    const token = signClickToken({ ...ids, url: longest }, secret)!;
    expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    expect(verifyClickToken(token, secret)).toMatchObject({ ok: true, claims: { url: longest } });
  });
});

describe("email link URLs", () => {
  it("the tracker wraps web links in /t/c/ and names the pixel /t/o/; other targets stay as they are", () => {
    const tracker = emailTracker({ secret, appUrl: `${APP}/`, shopId: "shop_1", messageId: "msg_1" });
    const wrapped = tracker.click("https://shop.example/a");
    expect(wrapped).toMatch(/^https:\/\/app\.example\/t\/c\/[\w-]+\.[\w-]+$/);
    expect(verifyClickToken(wrapped.slice(`${APP}/t/c/`.length), secret)).toMatchObject({ ok: true, claims: { url: "https://shop.example/a" } });
    expect(tracker.openPixelUrl).toBe(`${APP}/t/o/${open}`);
    expect(tracker.click("mailto:hello@shop.example")).toBe("mailto:hello@shop.example");
  });

  it("unsubscribe and preference links go to /u/ and the headers follow RFC 8058", () => {
    const url = unsubscribeUrl({ secret, appUrl: APP, shopId: "shop_1", profileId: "prof_1", messageId: "msg_1" });
    expect(url).toBe(`${APP}/u/${unsubscribe}`);
    expect(preferencesUrl({ secret, appUrl: APP, shopId: "shop_1", profileId: "prof_1", messageId: "msg_1" })).toBe(url);
    expect(listUnsubscribeHeaders(url)).toEqual({ "List-Unsubscribe": `<${url}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" });
  });
});
