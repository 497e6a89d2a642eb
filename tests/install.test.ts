import { afterEach, beforeEach, describe, expect, it } from "vitest";
import db from "../app/db.server";
import { onShopInstalled } from "../app/models/install.server";
import { createAdminGraphql } from "../app/services/shopify-admin.server";
import { startFakeShopifyAdmin } from "./helpers/fake-shopify-admin";

const APP_URL = "https://my-test-app.myshopify.io";

describe("after a shop installs", () => {
  let fake: Awaited<ReturnType<typeof startFakeShopifyAdmin>>;
  const admin = () =>
    createAdminGraphql({ shop: fake.shop, accessToken: fake.accessToken, apiVersion: "2026-07", customFetchApi: fake.fetchApi, sleep: async () => {} });

  beforeEach(async () => {
    fake = await startFakeShopifyAdmin({ shop: "installing.myshopify.com" });
  });
  afterEach(async () => {
    await fake.close();
  });

  it("creates the shop, its preset flows, the web pixel with the shop's key, and starts the history import", async () => {
    const report = await onShopInstalled(db, fake.shop, admin(), APP_URL);
    expect(report).toMatchObject({ pixel: "created", backfill: "started" });

    const shop = await db.shop.findUniqueOrThrow({ where: { domain: fake.shop } });
    expect(shop.pixelIngestKey).toBeTruthy();
    expect(JSON.parse(fake.webPixel()?.settings ?? "{}")).toEqual({ ingestUrl: `${APP_URL}/ingest/pixel`, ingestKey: shop.pixelIngestKey });
    expect(await db.flow.count({ where: { shopId: shop.id } })).toBe(6);
    expect((await db.backfillJob.findMany({ where: { shopId: shop.id } })).map((j) => j.kind).sort()).toEqual(["customers", "orders"]);
    expect(fake.operations).toHaveLength(1); // one export at a time: customers first
  });

  it("updates the existing pixel on a reinstall and keeps the key", async () => {
    await onShopInstalled(db, fake.shop, admin(), APP_URL);
    const key = (await db.shop.findUniqueOrThrow({ where: { domain: fake.shop } })).pixelIngestKey;
    const again = await onShopInstalled(db, fake.shop, admin(), APP_URL);
    expect(again.pixel).toBe("updated");
    expect(JSON.parse(fake.webPixel()?.settings ?? "{}").ingestKey).toBe(key);
  });

  it("reports a refused pixel without failing the install", async () => {
    const refusing = createAdminGraphql({
      shop: fake.shop,
      accessToken: "wrong-token",
      apiVersion: "2026-07",
      customFetchApi: fake.fetchApi,
      sleep: async () => {},
      maxRetries: 0,
    });
    const report = await onShopInstalled(db, fake.shop, refusing, APP_URL);
    expect(report.pixel).toMatch(/^error: /);
    expect(await db.shop.findUnique({ where: { domain: fake.shop } })).not.toBeNull();
  });
});
