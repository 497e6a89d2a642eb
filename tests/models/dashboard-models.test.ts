import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP_DOMAIN, seedDemoShop } from "../../app/demo/seed.server";
import { getHomeSummary } from "../../app/models/dashboard.server";
import { listFlowsWithNumbers } from "../../app/models/flows.server";
import { searchProfiles } from "../../app/models/profiles.server";
import { incrementRollup, sumRollups } from "../../app/models/rollups.server";
import { ensureShop } from "../../app/models/shop.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

// The dashboard's queries on both databases: casing, shop scoping and rollup sums must agree.
describe.each(["sqlite", "postgresql"] as const)("dashboard models on %s", (provider) => {
  let database: TestDatabase;
  const now = new Date("2026-11-24T12:00:00Z");

  beforeAll(async () => {
    database = await createTestDatabase(provider);
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  it("seeds the demo shop once, with order history consistent with its profiles and rollups", async () => {
    const db = database.prisma;
    const first = await seedDemoShop(db, { now, customers: 60 });
    expect(first.created).toBe(true);
    expect((await seedDemoShop(db, { now, customers: 60 })).created).toBe(false);

    const shop = first.shop;
    const profiles = await db.profile.findMany({ where: { shopId: shop.id } });
    expect(profiles).toHaveLength(60);
    const orders = await db.event.findMany({ where: { shopId: shop.id, name: "Placed Order" } });
    // Every profile's computed order count and revenue equal its Placed Order events.
    for (const profile of profiles) {
      const own = orders.filter((o) => o.profileId === profile.id);
      expect(profile.ordersCount).toBe(own.length);
      expect(profile.revenueMinor).toBe(own.reduce((sum, o) => sum + (o.valueMinor ?? 0n), 0n));
      // The computed properties ingest would keep: a gap from two orders on, an RFM group from the first.
      const days = own.map((o) => o.occurredAt.getTime()).sort((x, y) => x - y);
      const gap = days.length >= 2 ? (days[days.length - 1] - days[0]) / 86_400_000 / (days.length - 1) : null;
      if (gap === null) expect(profile.averageDaysBetweenOrders).toBeNull();
      else expect(profile.averageDaysBetweenOrders).toBeCloseTo(gap, 6);
      expect(profile.rfmGroup === null).toBe(own.length === 0);
    }
    // Shopify-sized ids survive as exact strings.
    const customerIds = profiles.map((p) => p.shopifyCustomerId ?? "");
    expect(customerIds.every((id) => /^\d{16,}$/.test(id) && BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER))).toBe(true);

    const summary = await getHomeSummary(db, shop, now, 400);
    expect(summary.totals.store_orders).toBe(BigInt(orders.length));
    expect(summary.totals.store_revenue).toBe(orders.reduce((sum, o) => sum + (o.valueMinor ?? 0n), 0n));
    expect(summary.profiles).toBe(60);

    const flows = await listFlowsWithNumbers(db, shop, now);
    expect(flows.map((f) => f.name)).toEqual([
      "Welcome series",
      "Browse abandonment",
      "Abandoned checkout",
      "Post-purchase",
      "Winback",
      "Sunset",
    ]);
    expect(flows.every((f) => f.status === "draft" && f.revenue === 0n)).toBe(true);
  });

  it("searches one shop's profiles the same way on both databases", async () => {
    const db = database.prisma;
    const a = await ensureShop(db, `search-a-${provider}.myshopify.com`);
    const b = await ensureShop(db, `search-b-${provider}.myshopify.com`);
    await db.profile.createMany({
      data: [
        { shopId: a.id, firstName: "Olivia", lastName: "Smith", email: "olivia.smith@example.com" },
        { shopId: a.id, firstName: "Liam", lastName: "Okafor", email: "liam@example.com" },
        { shopId: b.id, firstName: "Olivia", lastName: "Jones", email: "olivia.jones@example.com" },
      ],
    });
    const emails = async (q: string) => (await searchProfiles(db, a.id, q)).profiles.map((p) => p.email);
    expect(await emails("olivia")).toEqual(["olivia.smith@example.com"]);
    expect(await emails("OKAFOR")).toEqual(["liam@example.com"]);
    expect(await emails("Smith")).toEqual(["olivia.smith@example.com"]);
    expect(await emails("jones")).toEqual([]);
    expect((await searchProfiles(db, a.id, "")).total).toBe(2);
  });

  it("adds rollup increments exactly, per shop, past 2^53", async () => {
    const db = database.prisma;
    const shop = await ensureShop(db, `rollups-${provider}.myshopify.com`);
    const other = await ensureShop(db, `rollups-other-${provider}.myshopify.com`);
    const big = 2n ** 60n;
    await incrementRollup(db, { shopId: shop.id, day: "2026-11-24", metric: "revenue", flowId: "f1" }, big);
    await incrementRollup(db, { shopId: shop.id, day: "2026-11-24", metric: "revenue", flowId: "f1" }, 1n);
    await incrementRollup(db, { shopId: shop.id, day: "2026-11-23", metric: "revenue", flowId: "f2" }, 5n);
    await incrementRollup(db, { shopId: other.id, day: "2026-11-24", metric: "revenue", flowId: "f1" }, 1000n);
    const totals = await sumRollups(db, shop.id, ["revenue", "sent"], "2026-11-23", "2026-11-24");
    expect(totals).toEqual({ revenue: big + 6n, sent: 0n });
    expect(await db.dailyRollup.count({ where: { shopId: shop.id } })).toBe(2);
  });
});
