import type { Db } from "../db/client.server";
import type { AdminGraphql } from "../services/shopify-admin.server";
import { connectWebPixel } from "../services/web-pixel.server";
import { startBackfill } from "./backfill.server";
import { ensurePresetFlows } from "./flows.server";
import { ensurePixelIngestKey, pixelSettings } from "./pixel.server";
import { ensureShop } from "./shop.server";

export type InstallReport = { shopId: string; pixel: string; backfill: string };

/**
 * Everything a new (or returning) shop needs after OAuth: its row and settings, the preset flows, the web pixel
 * with the shop's ingest key, and the import of existing customers and orders. A step that fails is reported
 * and retried on the next install or login; it never fails the install itself.
 */
export async function onShopInstalled(db: Db, domain: string, admin: AdminGraphql, appUrl: string): Promise<InstallReport> {
  const shop = await ensureShop(db, domain);
  await ensurePresetFlows(db, shop.id);
  const key = await ensurePixelIngestKey(db, shop.id);
  const pixel = await connectWebPixel(admin, pixelSettings(appUrl, key)).catch((e: unknown) => ({
    status: "error" as const,
    error: e instanceof Error ? e.message : String(e),
  }));
  let backfill = "started";
  try {
    await startBackfill(db, shop, admin);
  } catch (error) {
    backfill = `error: ${error instanceof Error ? error.message : String(error)}`;
  }
  const report = { shopId: shop.id, pixel: pixel.status === "error" ? `error: ${pixel.error}` : pixel.status, backfill };
  if (pixel.status === "error" || backfill !== "started") console.error(`install of ${domain} incomplete`, report);
  return report;
}
