/**
 * Signed links in our emails: the open pixel (/t/o/), the click redirect (/t/c/) and the unsubscribe and
 * preference page (/u/). Format: base64url(JSON claims) "." base64url(HMAC-SHA256(key, context + body), first 16 bytes).
 * - key = HMAC-SHA256(SESSION_SECRET, "email-links"): the session secret's other uses never share a key with these;
 * - the context differs per kind, so an open token never verifies as a click token and so on;
 * - a click token binds its destination: the redirect only goes where that email pointed (no open redirect);
 * - no expiry: an unsubscribe link must keep working for as long as the email exists.
 * Pure apart from node:crypto; the secret is passed in.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { LinkTracker } from "./links";

export type EmailTokenKind = "open" | "click" | "unsubscribe" | "confirm";

const CONTEXT: Record<EmailTokenKind, string> = {
  open: "email-open.v1.",
  click: "email-click.v1.",
  unsubscribe: "email-unsubscribe.v1.",
  confirm: "signup-confirm.v1.",
};
const KINDS = Object.keys(CONTEXT) as EmailTokenKind[];
const KEY_LABEL = "email-links";
/** 128 bits of HMAC: plenty against forgery, and 20 characters shorter per link than the full 256. */
const MAC_BYTES = 16;
/** Longer destinations are left untracked (browsers and mail clients mishandle URLs past a few KB anyway). */
export const MAX_TRACKED_URL_LENGTH = 2048;
/** Anything longer is refused before any decoding or HMAC work. */
export const MAX_TOKEN_LENGTH = 4096;

export type OpenClaims = { shopId: string; messageId: string };
export type ClickClaims = { shopId: string; messageId: string; url: string };
export type UnsubscribeClaims = { shopId: string; profileId: string; messageId: string | null };
/** A double opt-in confirmation link: its expiry is the pending signup's, kept in the database. */
export type SignupConfirmClaims = { shopId: string; signupId: string };

export type TokenFailure = "too_long" | "malformed" | "bad_signature" | "wrong_kind" | "unsafe_url";
export type TokenCheck<T> = { ok: true; claims: T } | { ok: false; reason: TokenFailure };

const id = z.string().min(1).max(200);
const openSchema = z.strictObject({ k: z.literal("o"), s: id, m: id });
const clickSchema = z.strictObject({ k: z.literal("c"), s: id, m: id, u: z.string().min(1).max(MAX_TRACKED_URL_LENGTH) });
const unsubscribeSchema = z.strictObject({ k: z.literal("u"), s: id, p: id, m: id.nullable() });
const confirmSchema = z.strictObject({ k: z.literal("s"), s: id, p: id });

// Deriving the key is one HMAC; signing runs per link per recipient, so the last secret's key is kept.
let cachedKey: { secret: string; key: Buffer } | null = null;
function linkKey(secret: string): Buffer {
  if (cachedKey?.secret !== secret) cachedKey = { secret, key: createHmac("sha256", secret).update(KEY_LABEL).digest() };
  return cachedKey.key;
}

function mac(secret: string, kind: EmailTokenKind, body: string): Buffer {
  return createHmac("sha256", linkKey(secret)).update(CONTEXT[kind] + body).digest().subarray(0, MAC_BYTES);
}

function sign(kind: EmailTokenKind, claims: object, secret: string): string {
  const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return `${body}.${mac(secret, kind, body).toString("base64url")}`;
}

// Compared as text, not decoded bytes: base64 has spare bits in its last character, and a token with them changed
// is not the token we issued.
const macMatches = (given: Buffer, wanted: Buffer) => {
  const expected = Buffer.from(wanted.toString("base64url"));
  return given.length === expected.length && timingSafeEqual(given, expected);
};

/** Signature first (constant time), then the claims' shape: nothing untrusted is parsed before it is authenticated. */
function verify<T>(token: string, kind: EmailTokenKind, secret: string, schema: z.ZodType<T>): TokenCheck<T> {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: "too_long" };
  const parts = token.split(".");
  if (parts.length !== 2 || !/^[\w-]+$/.test(parts[0]) || !/^[\w-]+$/.test(parts[1])) return { ok: false, reason: "malformed" };
  const [body, signature] = parts;
  const given = Buffer.from(signature);
  if (!macMatches(given, mac(secret, kind, body))) {
    // Only on failure: say whether it is one of our tokens used in the wrong place (an open token as a click).
    const otherKind = KINDS.some((other) => other !== kind && macMatches(given, mac(secret, other, body)));
    return { ok: false, reason: otherKind ? "wrong_kind" : "bad_signature" };
  }
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
    return parsed.success ? { ok: true, claims: parsed.data } : { ok: false, reason: "malformed" };
  } catch {
    return { ok: false, reason: "malformed" };
  }
}

/** True for an absolute http(s) URL short enough to sign: the only destinations a click redirect may go to. */
export function isTrackableUrl(url: string): boolean {
  if (url.length > MAX_TRACKED_URL_LENGTH) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:";
  } catch {
    return false;
  }
}

/** An open-pixel token for one message. */
export function signOpenToken(claims: OpenClaims, secret: string): string {
  return sign("open", { k: "o", s: claims.shopId, m: claims.messageId }, secret);
}

/** A click token binding one message to one destination; null when the URL cannot be tracked (see isTrackableUrl). */
export function signClickToken(claims: ClickClaims, secret: string): string | null {
  if (!isTrackableUrl(claims.url)) return null;
  return sign("click", { k: "c", s: claims.shopId, m: claims.messageId, u: claims.url }, secret);
}

/** An unsubscribe/preferences token for a profile, naming the message it came in when there is one. */
export function signUnsubscribeToken(claims: UnsubscribeClaims, secret: string): string {
  return sign("unsubscribe", { k: "u", s: claims.shopId, p: claims.profileId, m: claims.messageId }, secret);
}

/** The open token's shop and message, or why it is refused. */
export function verifyOpenToken(token: string, secret: string): TokenCheck<OpenClaims> {
  const check = verify(token, "open", secret, openSchema);
  return check.ok ? { ok: true, claims: { shopId: check.claims.s, messageId: check.claims.m } } : check;
}

/** The click token's shop, message and destination (always http or https), or why it is refused. */
export function verifyClickToken(token: string, secret: string): TokenCheck<ClickClaims> {
  const check = verify(token, "click", secret, clickSchema);
  if (!check.ok) return check;
  // Signed by us, so this only fails if signing rules were once looser: never redirect to another scheme.
  if (!isTrackableUrl(check.claims.u)) return { ok: false, reason: "unsafe_url" };
  return { ok: true, claims: { shopId: check.claims.s, messageId: check.claims.m, url: check.claims.u } };
}

/** The unsubscribe token's shop, profile and message, or why it is refused. */
export function verifyUnsubscribeToken(token: string, secret: string): TokenCheck<UnsubscribeClaims> {
  const check = verify(token, "unsubscribe", secret, unsubscribeSchema);
  return check.ok ? { ok: true, claims: { shopId: check.claims.s, profileId: check.claims.p, messageId: check.claims.m } } : check;
}

/** The confirmation link's token for one pending signup. */
export function signSignupConfirmToken(claims: SignupConfirmClaims, secret: string): string {
  return sign("confirm", { k: "s", s: claims.shopId, p: claims.signupId }, secret);
}

/** The confirmation token's shop and pending signup, or why it is refused. */
export function verifySignupConfirmToken(token: string, secret: string): TokenCheck<SignupConfirmClaims> {
  const check = verify(token, "confirm", secret, confirmSchema);
  return check.ok ? { ok: true, claims: { shopId: check.claims.s, signupId: check.claims.p } } : check;
}

const base = (appUrl: string) => appUrl.replace(/\/+$/, "");

/**
 * The renderer's link tracker for one message: web links become `${appUrl}/t/c/<token>`, the open pixel is
 * `${appUrl}/t/o/<token>`. A destination that cannot be tracked (not http(s), too long) is returned unchanged.
 */
export function emailTracker(input: { secret: string; appUrl: string; shopId: string; messageId: string }): LinkTracker {
  const root = base(input.appUrl);
  const ids = { shopId: input.shopId, messageId: input.messageId };
  return {
    click(destination) {
      const token = signClickToken({ ...ids, url: destination }, input.secret);
      return token ? `${root}/t/c/${token}` : destination;
    },
    openPixelUrl: `${root}/t/o/${signOpenToken(ids, input.secret)}`,
  };
}

export type UnsubscribeLinkInput = UnsubscribeClaims & { secret: string; appUrl: string };

/** The unsubscribe page for this profile (and message): `${appUrl}/u/<token>`. Stable: same input, same URL. */
export function unsubscribeUrl(input: UnsubscribeLinkInput): string {
  const token = signUnsubscribeToken({ shopId: input.shopId, profileId: input.profileId, messageId: input.messageId }, input.secret);
  return `${base(input.appUrl)}/u/${token}`;
}

/** The preference page: the same page as unsubscribe (it shows the current state and offers the other one). */
export function preferencesUrl(input: UnsubscribeLinkInput): string {
  return unsubscribeUrl(input);
}

/** RFC 8058 one-click unsubscribe headers for an unsubscribe URL (mailbox providers POST to it). */
export function listUnsubscribeHeaders(url: string): { "List-Unsubscribe": string; "List-Unsubscribe-Post": string } {
  return { "List-Unsubscribe": `<${url}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
}
