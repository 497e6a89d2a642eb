import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "../db/client.server";
import type { VerifiedLink } from "../domain/events/pixel";

/** The path the web pixel posts to (app/routes/ingest.pixel.tsx). */
export const PIXEL_INGEST_PATH = "/ingest/pixel";

/** A fresh random ingest key: 192 bits, URL-safe. */
function newIngestKey(): string {
  return randomBytes(24).toString("base64url");
}

/** Replaces the shop's ingest key; the pixel's settings must then be updated (webPixelUpdate) with the new one. */
export async function rotatePixelIngestKey(db: Db, shopId: string): Promise<string> {
  const key = newIngestKey();
  await db.shop.update({ where: { id: shopId }, data: { pixelIngestKey: key } });
  return key;
}

/** The shop's ingest key, created on first use. Concurrent first calls agree on one key. */
export async function ensurePixelIngestKey(db: Db, shopId: string): Promise<string> {
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId }, select: { pixelIngestKey: true } });
  if (shop.pixelIngestKey) return shop.pixelIngestKey;
  await db.shop.updateMany({ where: { id: shopId, pixelIngestKey: null }, data: { pixelIngestKey: newIngestKey() } });
  const after = await db.shop.findUniqueOrThrow({ where: { id: shopId }, select: { pixelIngestKey: true } });
  if (!after.pixelIngestKey) throw new Error(`shop ${shopId}: ingest key vanished while being created`);
  return after.pixelIngestKey;
}

/** The web pixel's settings (as declared in extensions/web-pixel/shopify.extension.toml) for webPixelCreate/Update. */
export function pixelSettings(appUrl: string, ingestKey: string): { ingestUrl: string; ingestKey: string } {
  return { ingestUrl: new URL(PIXEL_INGEST_PATH, appUrl).href, ingestKey };
}

/** What the ingest route needs to know about a shop named by a storefront request. */
export function findShopForPixel(db: Db, domain: string) {
  return db.shop.findUnique({
    where: { domain },
    select: { id: true, pixelIngestKey: true, uninstalledAt: true },
  });
}

/** Constant-time comparison of a presented key with the stored one; no stored key matches nothing. */
export function ingestKeyMatches(stored: string | null, presented: string): boolean {
  if (!stored) return false;
  // Hashing first gives equal lengths, so neither the comparison nor its early exit reveals the key's length.
  const a = createHash("sha256").update(stored).digest();
  const b = createHash("sha256").update(presented).digest();
  return timingSafeEqual(a, b);
}

/**
 * The identities of a profile a verified token named, following merges to the surviving profile; null when the
 * profile is gone or has nothing that identifies it (the link could then not reach it).
 */
export async function profileLinkFor(db: Db, shopId: string, profileId: string): Promise<VerifiedLink | null> {
  let id = profileId;
  for (let hop = 0; hop < 5; hop++) {
    const profile = await db.profile.findFirst({
      where: { id, shopId },
      select: { id: true, email: true, phone: true, shopifyCustomerId: true, mergedIntoId: true },
    });
    if (!profile) return null;
    if (profile.mergedIntoId) {
      id = profile.mergedIntoId;
      continue;
    }
    const link: VerifiedLink = { profileId: profile.id };
    if (profile.shopifyCustomerId) link.shopifyCustomerId = profile.shopifyCustomerId;
    if (profile.email) link.email = profile.email;
    if (profile.phone) link.phone = profile.phone;
    return link.shopifyCustomerId || link.email || link.phone ? link : null;
  }
  return null;
}
