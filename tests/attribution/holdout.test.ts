// A flow's holdout result on both databases: entrants split by group, what each ordered within 30 days of
// entering (counted revenue: refunds and cancellations out), compared by domain/attribution/holdout.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../app/db/client.server";
import { createVersion } from "../../app/models/flow-definitions.server";
import { flowHoldoutResult } from "../../app/models/holdout.server";
import { ensureShop } from "../../app/models/shop.server";
import { WELCOME_FLOW } from "../../app/domain/flows/preset-definitions";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

const NOW = new Date("2026-11-24T12:00:00Z");
const DAY = 86_400_000;
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);

describe.each(["sqlite", "postgresql"] as const)("flow holdout result on %s", (provider) => {
  let t: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    t = await createTestDatabase(provider);
    db = t.prisma;
  });
  afterAll(() => t?.cleanup());

  let serial = 0;
  async function flowIn(shopId: string) {
    const flow = await db.flow.create({ data: { shopId, name: `Welcome ${++serial}`, status: "live" } });
    const version = await createVersion(db, shopId, flow.id, WELCOME_FLOW);
    return { flowId: flow.id, versionId: version.id };
  }
  /** Someone who entered `enteredDaysAgo` and placed the given orders (days ago, counted minor units). */
  async function entrant(shopId: string, flow: { flowId: string; versionId: string }, holdout: boolean, enteredDaysAgo: number, orders: Array<[number, bigint]> = []) {
    const profile = await db.profile.create({ data: { shopId, email: `p${++serial}@example.com` } });
    await db.flowRun.create({
      data: { shopId, flowId: flow.flowId, flowVersionId: flow.versionId, profileId: profile.id, holdout, enteredAt: daysAgo(enteredDaysAgo), state: {}, status: "completed", triggerEventId: `e${serial}` },
    });
    for (const [ago, countedMinor] of orders) {
      await db.orderState.create({
        data: { shopId, orderId: `o${++serial}`, profileId: profile.id, placedAt: daysAgo(ago), shopifyUpdatedAt: daysAgo(ago), currency: "USD", totalMinor: countedMinor || 1_000n, countedMinor },
      });
    }
  }

  it("counts each entrant's orders within 30 days of entering, by group, and says when there is not enough data", async () => {
    const shop = await ensureShop(db, `holdout-${provider}.myshopify.com`);
    const flow = await flowIn(shop.id);
    // Sent group, 40 people entered 40 days ago: 12 ordered 50.00 within the window (one of them twice), and
    // orders that do not count: before entering, 31 days after, a cancelled one (counted 0).
    for (let i = 0; i < 12; i++) await entrant(shop.id, flow, false, 40, i === 0 ? [[35, 5_000n], [20, 5_000n]] : [[30, 5_000n]]);
    await entrant(shop.id, flow, false, 40, [[45, 5_000n]]);
    await entrant(shop.id, flow, false, 40, [[9, 5_000n]]);
    await entrant(shop.id, flow, false, 40, [[30, 0n]]);
    for (let i = 0; i < 25; i++) await entrant(shop.id, flow, false, 40);
    // Holdout group, 30 people: 6 ordered 40.00.
    for (let i = 0; i < 6; i++) await entrant(shop.id, flow, true, 40, [[39, 4_000n]]);
    for (let i = 0; i < 24; i++) await entrant(shop.id, flow, true, 40);
    // Another flow's and another shop's entrants change nothing.
    const other = await flowIn(shop.id);
    for (let i = 0; i < 5; i++) await entrant(shop.id, other, true, 10, [[5, 9_000n]]);

    const result = await flowHoldoutResult(db, shop.id, flow.flowId, { now: NOW });
    expect(result.status).toBe("measured");
    if (result.status !== "measured") return;
    expect(result.sent).toMatchObject({ people: 40, converted: 12, revenueMinor: 65_000n });
    expect(result.holdout).toMatchObject({ people: 30, converted: 6, revenueMinor: 24_000n });
    expect(result.conversion.sent).toBeCloseTo(0.3, 10);
    expect(result.conversion.holdout).toBeCloseTo(0.2, 10);
    expect(result.revenuePerPerson.sent).toBeCloseTo(1_625, 10);
    expect(result.revenuePerPerson.holdout).toBeCloseTo(800, 10);

    // Only those who entered in the period count: with a 35-day period, nobody above is left.
    expect((await flowHoldoutResult(db, shop.id, flow.flowId, { now: NOW, periodDays: 35 })).status).toBe("no_holdout");
    expect(await flowHoldoutResult(db, shop.id, other.flowId, { now: NOW })).toMatchObject({ status: "not_enough_data" });
  });
});
