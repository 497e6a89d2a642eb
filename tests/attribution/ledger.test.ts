// Attribution on both databases, driven as production drives it: Shopify payloads through the inbox and the
// worker, opens and clicks through the tracking model. The ledger below is computed by hand; the test compares
// every attributed order, the counters the dashboard reads, and the explanation a merchant opens.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../app/db/client.server";
import { attributionRecomputeProgress, findOrderAttribution, recomputeAttributionOnce, requestAttributionRecompute } from "../../app/models/attribution.server";
import { recordClick, recordOpen } from "../../app/models/email-engagement.server";
import { acceptInboxEntry } from "../../app/models/inbox.server";
import { ensureShop } from "../../app/models/shop.server";
import { drainInboxOnce } from "../../app/worker/inbox-worker.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { bigId, orderPayload, samplePayload } from "../helpers/payloads";

const T = new Date("2026-11-20T12:00:00Z");
const HOUR = 3_600_000;
const before = (hours: number, seconds = 0) => new Date(T.getTime() - hours * HOUR - seconds * 1000);
const SAFARI = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";

describe.each(["sqlite", "postgresql"] as const)("revenue attribution on %s", (provider) => {
  let t: TestDatabase;
  let db: Db;
  let shopId = "";
  let serial = 0;
  beforeAll(async () => {
    t = await createTestDatabase(provider);
    db = t.prisma;
    shopId = (await ensureShop(db, `attribution-${provider}.myshopify.com`, new Date("2026-01-01T00:00:00Z"))).id;
    const flow = await db.flow.create({ data: { shopId, name: "Abandoned checkout", preset: "abandoned_checkout", status: "live" } });
    flowId = flow.id;
  });
  afterAll(() => t?.cleanup());
  let flowId = "";

  async function deliver(topic: string, payload: string) {
    await acceptInboxEntry(db, { shopId, source: "shopify_webhook", topic, dedupeKey: randomUUID(), payload });
  }
  async function drain() {
    for (;;) {
      const result = await drainInboxOnce(db);
      expect(result.failed).toBe(0);
      if (result.claimed === 0) return;
    }
  }

  /** A customer known to the shop (customers/create), as their profile. */
  async function customer(customerId: string, email: string) {
    await deliver(
      "customers/create",
      samplePayload("customers/create", (c) => {
        c.id = bigId(customerId);
        c.admin_graphql_api_id = `gid://shopify/Customer/${customerId}`;
        c.email = email;
        c.created_at = before(400).toISOString();
        c.updated_at = before(400).toISOString();
      }),
    );
    await drain();
    return db.profile.findFirstOrThrow({ where: { shopId, email, mergedIntoId: null } });
  }

  /** An email of the flow that reached the profile. */
  async function sent(profileId: string, email: string, subject: string, stepId = "checkout_1", variant = "") {
    return db.message.create({
      data: {
        shopId, profileId, flowId, flowVersionId: "v1", stepId, variant, idempotencyKey: `run-${++serial}:${stepId}:1:${variant}`,
        toEmail: email, subject, status: "sent", provider: "outbox", sentAt: before(200), queuedAt: before(200),
      },
    });
  }
  /** Every credited order: the email's subject, the touch, and the revenue credited now. */
  const ledger = async () =>
    Object.fromEntries(
      (await db.attribution.findMany({ where: { shopId }, include: { message: { select: { subject: true } } } })).map((a) => [
        a.orderId,
        [a.message.subject, a.touch, a.revenueMinor - a.refundedMinor],
      ]),
    );
  const click = (messageId: string, at: Date) => recordClick(db, { shopId, messageId, url: "https://shop.example/cart", at });
  const open = (messageId: string, at: Date, userAgent = SAFARI) => recordOpen(db, { shopId, messageId, at, userAgent });
  const order = (topic: string, id: string, customerId: string, email: string, total: string, more: { cancelledAt?: string; updatedAt?: string } = {}) =>
    deliver(topic, orderPayload(topic, { id, customerId, email, total, createdAt: T.toISOString(), ...more }));

  it("credits each order by the hand-computed ledger, takes refunds and cancellations back, and counts a replay once", async () => {
    // Ann: an open 2 h before and a click 100 h before: the click wins, however late the open.
    const ann = await customer("7100000000000001", "ann@example.com");
    const annOpened = await sent(ann.id, "ann@example.com", "Still thinking it over?");
    const annClicked = await sent(ann.id, "ann@example.com", "You left something behind", "checkout_2", "24h");
    await open(annOpened.id, before(2));
    await click(annClicked.id, before(100));
    // Ben: a click one second outside the 120 h click window; an open inside the open window earns it.
    const ben = await customer("7100000000000002", "ben@example.com");
    const benClicked = await sent(ben.id, "ben@example.com", "Too early");
    const benOpened = await sent(ben.id, "ben@example.com", "Just in time");
    await click(benClicked.id, before(120, 1));
    await open(benOpened.id, before(119));
    // Cat: a click exactly 120 h before the order counts; a 20.00 refund of her 80.00 comes back off.
    const cat = await customer("7100000000000003", "cat@example.com");
    const catClicked = await sent(cat.id, "cat@example.com", "On the edge");
    await click(catClicked.id, before(120));
    // Dan: only Apple Mail's privacy prefetch opened his email: no credit.
    const dan = await customer("7100000000000004", "dan@example.com");
    const danPrefetched = await sent(dan.id, "dan@example.com", "Prefetched");
    await open(danPrefetched.id, before(1), "Mozilla/5.0");
    // Eve: clicked 10 h before an order reported three days late, which is then cancelled.
    const eve = await customer("7100000000000005", "eve@example.com");
    const eveClicked = await sent(eve.id, "eve@example.com", "Late but counted");
    await click(eveClicked.id, before(10));
    // Fay: her order arrives twice and once more as orders/updated.
    const fay = await customer("7100000000000006", "fay@example.com");
    const fayClicked = await sent(fay.id, "fay@example.com", "Once only");
    await click(fayClicked.id, before(5));
    // Gus: clicked as a signup (email only); his order names his older customer record too, which merges them.
    const gusCustomer = await customer("7100000000000007", "gus.old@example.com");
    const gusSignup = await db.profile.create({ data: { shopId, email: "gus@example.com", emailConsent: "subscribed" } });
    await db.profileIdentity.create({ data: { shopId, profileId: gusSignup.id, kind: "email", value: "gus@example.com" } });
    const gusClicked = await sent(gusSignup.id, "gus@example.com", "Welcome, Gus");
    await click(gusClicked.id, before(3));

    await order("orders/create", "5100000000000001", "7100000000000001", "ann@example.com", "100.00");
    await order("orders/create", "5100000000000002", "7100000000000002", "ben@example.com", "50.00");
    await order("orders/create", "5100000000000003", "7100000000000003", "cat@example.com", "80.00");
    await order("orders/create", "5100000000000004", "7100000000000004", "dan@example.com", "30.00");
    await order("orders/create", "5100000000000006", "7100000000000006", "fay@example.com", "25.00");
    await order("orders/create", "5100000000000006", "7100000000000006", "fay@example.com", "25.00");
    await order("orders/updated", "5100000000000006", "7100000000000006", "fay@example.com", "25.00");
    await order("orders/create", "5100000000000007", "7100000000000007", "gus@example.com", "30.00");
    await drain();
    // Eve's order, placed at T, is only reported now.
    await order("orders/create", "5100000000000005", "7100000000000005", "eve@example.com", "40.00");
    await drain();

    expect(await ledger()).toEqual({
      "5100000000000001": ["You left something behind", "click", 10_000n],
      "5100000000000002": ["Just in time", "open", 5_000n],
      "5100000000000003": ["On the edge", "click", 8_000n],
      "5100000000000005": ["Late but counted", "click", 4_000n],
      "5100000000000006": ["Once only", "click", 2_500n],
      "5100000000000007": ["Welcome, Gus", "click", 3_000n],
    });
    expect(gusCustomer.id).not.toBe(gusSignup.id);

    // Cat's partial refund, Eve's cancellation.
    await deliver(
      "refunds/create",
      samplePayload("refunds/create", (r) => {
        r.id = bigId("6100000000000003");
        r.order_id = bigId("5100000000000003");
        r.created_at = new Date(T.getTime() + 24 * HOUR).toISOString();
        r.transactions = [{ ...r.transactions[0], order_id: bigId("5100000000000003"), amount: "20.00", kind: "refund", status: "success" }];
      }),
    );
    const cancelledAt = new Date(T.getTime() + 80 * HOUR).toISOString();
    await order("orders/cancelled", "5100000000000005", "7100000000000005", "eve@example.com", "40.00", { cancelledAt, updatedAt: cancelledAt });
    await drain();
    expect((await ledger())["5100000000000003"]).toEqual(["On the edge", "click", 6_000n]);
    expect((await ledger())["5100000000000005"]).toEqual(["Late but counted", "click", 0n]);

    // The counters the dashboard reads: on the orders' day, per message dimensions.
    const counters = await db.dailyRollup.groupBy({ by: ["metric"], where: { shopId, metric: { in: ["orders", "revenue"] } }, _sum: { value: true } });
    expect(Object.fromEntries(counters.map((c) => [c.metric, c._sum.value]))).toEqual({ orders: 5n, revenue: 10_000n + 5_000n + 6_000n + 2_500n + 3_000n });
    const annCounter = await db.dailyRollup.findFirstOrThrow({ where: { shopId, metric: "revenue", stepId: "checkout_2", variant: "24h" } });
    expect(annCounter).toMatchObject({ day: "2026-11-20", flowId, value: 10_000n });

    // The explanation behind an order's row, and nothing for an order no email earned or another shop's order.
    const explained = await findOrderAttribution(db, shopId, "5100000000000002");
    expect(explained?.explanation).toBe("Opened “Just in time” 4 days 23 hours before the order (open window 5 days, no click in the click window; rule: last click, else last open).");
    expect(await findOrderAttribution(db, shopId, "5100000000000004")).toBeNull();
    const other = await ensureShop(db, `attribution-other-${provider}.myshopify.com`);
    expect(await findOrderAttribution(db, other.id, "5100000000000001")).toBeNull();
  });

  it("judges by the windows in force: a shorter click window and counted machine opens change the next orders", async () => {
    await db.shopSettings.update({ where: { shopId }, data: { clickWindowHours: 24, excludeMachineOpens: false } });
    const hal = await customer("7100000000000008", "hal@example.com");
    const halClicked = await sent(hal.id, "hal@example.com", "Clicked long ago");
    const halPrefetched = await sent(hal.id, "hal@example.com", "Prefetched, counted");
    await click(halClicked.id, before(48));
    await open(halPrefetched.id, before(1), "Mozilla/5.0");
    await order("orders/create", "5100000000000008", "7100000000000008", "hal@example.com", "12.00");
    await drain();
    const row = await db.attribution.findFirstOrThrow({ where: { shopId, orderId: "5100000000000008" } });
    expect(row).toMatchObject({ messageId: halPrefetched.id, touch: "open", rule: "click_then_open:24h/120h:machine_opens", revenueMinor: 1_200n });
  });

  it("recomputes history under the changed windows, resumable after an interruption, never counting twice", async () => {
    // The rule is now: clicks within 24 h, else opens within 120 h, machine opens counted (set above).
    const job = await requestAttributionRecompute(db, shopId, T);
    // Counting orders: Ann, Ben, Cat, Dan, Fay, Gus, Hal (Eve's was cancelled).
    expect(job).toMatchObject({ status: "pending", total: 7, done: 0, rule: "click_then_open:24h/120h:machine_opens" });

    // A worker gets through three orders, then dies; another picks the job up where it stopped.
    expect(await recomputeAttributionOnce(db, { now: T, limit: 3 })).toBe(true);
    expect(await attributionRecomputeProgress(db, shopId)).toMatchObject({ status: "pending", done: 3, total: 7 });
    while (await recomputeAttributionOnce(db, { now: T, limit: 3 }));
    expect(await attributionRecomputeProgress(db, shopId)).toMatchObject({ status: "done", done: 7, total: 7, finishedAt: T });
    expect(await recomputeAttributionOnce(db, { now: T, limit: 3 })).toBe(false);

    expect(await ledger()).toEqual({
      // Ann's click (100 h before) is outside 24 h now: her open 2 h before earns the order.
      "5100000000000001": ["Still thinking it over?", "open", 10_000n],
      "5100000000000002": ["Just in time", "open", 5_000n],
      // Cat's click 120 h before also counted as an open at that instant: the open window's edge.
      "5100000000000003": ["On the edge", "open", 6_000n],
      // Dan's prefetch counts now.
      "5100000000000004": ["Prefetched", "open", 3_000n],
      "5100000000000005": ["Late but counted", "click", 0n],
      "5100000000000006": ["Once only", "click", 2_500n],
      "5100000000000007": ["Welcome, Gus", "click", 3_000n],
      "5100000000000008": ["Prefetched, counted", "open", 1_200n],
    });
    const counters = await db.dailyRollup.groupBy({ by: ["metric"], where: { shopId, metric: { in: ["orders", "revenue"] } }, _sum: { value: true } });
    expect(Object.fromEntries(counters.map((c) => [c.metric, c._sum.value]))).toEqual({
      orders: 7n,
      revenue: 10_000n + 5_000n + 6_000n + 3_000n + 2_500n + 3_000n + 1_200n,
    });
  });
});
