import type { Db } from "../db/client.server";
import { processCache } from "./process-cache";

/** Creates the shop (with default settings) on first sight; a reinstall revives it with a new installedAt. */
export async function ensureShop(db: Db, domain: string, now = new Date()) {
  forgetCachedShop(domain);
  const existing = await db.shop.findUnique({ where: { domain } });
  if (existing && !existing.uninstalledAt) return existing;
  if (existing) {
    return db.shop.update({ where: { domain }, data: { uninstalledAt: null, installedAt: now } });
  }
  return db.shop.upsert({
    where: { domain },
    create: { domain, name: domain.replace(/\.myshopify\.com$/, ""), installedAt: now, settings: { create: {} } },
    update: {},
  });
}

export function findShopByDomain(db: Db, domain: string) {
  return db.shop.findUnique({ where: { domain } });
}

// Every webhook needs its shop and shops change rarely: a few seconds of caching saves a query per delivery.
const shopCache = processCache<Awaited<ReturnType<typeof findShopByDomain>>>(5_000);

/** findShopByDomain through the per-process cache (hot paths only; dashboards read fresh). */
export function findShopByDomainCached(db: Db, domain: string, now = Date.now()) {
  return shopCache.get(domain, () => findShopByDomain(db, domain), now);
}

export function forgetCachedShop(domain: string) {
  shopCache.forget(domain);
}

/**
 * app/uninstalled: the shop's sessions go at once and its live flows pause; its data stays until
 * shop/redact (48 h later).
 * A late delivery from before the latest install changes nothing.
 */
export async function markShopUninstalled(db: Db, domain: string, at: Date): Promise<"uninstalled" | "stale"> {
  forgetCachedShop(domain);
  const shop = await db.shop.findUnique({ where: { domain } });
  if (shop && shop.installedAt > at) return "stale";
  await db.$transaction([
    db.session.deleteMany({ where: { shop: domain } }),
    db.shop.updateMany({ where: { domain, uninstalledAt: null }, data: { uninstalledAt: at } }),
    db.flow.updateMany({ where: { shop: { domain }, status: "live" }, data: { status: "paused" } }),
  ]);
  return "uninstalled";
}

export async function getShopSettings(db: Db, shopId: string) {
  const settings = await db.shopSettings.findUnique({ where: { shopId } });
  return settings ?? db.shopSettings.create({ data: { shopId } });
}
