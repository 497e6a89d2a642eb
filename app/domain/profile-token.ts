/**
 * Signed profile tokens: "this browser followed a link we sent to profile P of shop S", valid until an expiry.
 * Format: base64url(JSON {s, p, e}) "." base64url(HMAC-SHA256(secret, "profile-token.v1." + body)).
 * Pure apart from node:crypto; the secret and the clock are passed in.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

const CONTEXT = "profile-token.v1.";
const MAX_TOKEN_LENGTH = 1000;

export type ProfileTokenClaims = { shopId: string; profileId: string; expiresAt: Date };

export type ProfileTokenCheck =
  | { ok: true; profileId: string; expiresAt: Date }
  | { ok: false; reason: "malformed" | "bad_signature" | "expired" | "wrong_shop" };

const claimsSchema = z.object({
  s: z.string().min(1),
  p: z.string().min(1),
  e: z.number().int().positive(), // expiry, whole seconds since the epoch
});

function mac(secret: string, body: string): Buffer {
  // The context prefix keeps a signature made here from being valid for any other token signed with this secret.
  return createHmac("sha256", secret).update(CONTEXT + body).digest();
}

/** A token for `profileId` of `shopId`, valid until `expiresAt` (rounded down to the second). */
export function signProfileToken(claims: ProfileTokenClaims, secret: string): string {
  const body = Buffer.from(
    JSON.stringify({ s: claims.shopId, p: claims.profileId, e: Math.floor(claims.expiresAt.getTime() / 1000) }),
  ).toString("base64url");
  return `${body}.${mac(secret, body).toString("base64url")}`;
}

/** Checks signature (constant time), shop and expiry; the profile id only when all three hold. */
export function verifyProfileToken(
  token: string,
  expected: { secret: string; shopId: string; now: Date },
): ProfileTokenCheck {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: "malformed" };
  const parts = token.split(".");
  if (parts.length !== 2 || !/^[\w-]+$/.test(parts[0]) || !/^[\w-]+$/.test(parts[1])) {
    return { ok: false, reason: "malformed" };
  }
  const [body, signature] = parts;
  const given = Buffer.from(signature, "base64url");
  const wanted = mac(expected.secret, body);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return { ok: false, reason: "bad_signature" };

  let claims: z.output<typeof claimsSchema>;
  try {
    const parsed = claimsSchema.safeParse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
    if (!parsed.success) return { ok: false, reason: "malformed" };
    claims = parsed.data;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (claims.s !== expected.shopId) return { ok: false, reason: "wrong_shop" };
  const expiresAt = new Date(claims.e * 1000);
  if (expiresAt.getTime() <= expected.now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, profileId: claims.p, expiresAt };
}
