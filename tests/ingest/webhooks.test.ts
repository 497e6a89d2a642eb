import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { MAX_WEBHOOK_BYTES } from "../../app/webhooks.server";
import { ensureShop } from "../../app/models/shop.server";
import { deliver, drainAll, rowCounts } from "../helpers/ingest";
import { bigId, orderPayload, samplePayload } from "../helpers/payloads";

const SHOP = "ingest-a.myshopify.com";
const OTHER_SHOP = "ingest-b.myshopify.com";
const CUSTOMER = "9007199254740993001"; // past 2^53: must stay exact
const ORDER = "9007199254740993555";

async function reset() {
  await db.shop.deleteMany();
  await ensureShop(db, SHOP, new Date("2026-01-01T00:00:00Z"));
  await ensureShop(db, OTHER_SHOP, new Date("2026-01-01T00:00:00Z"));
}

async function profileOf(shopDomain: string, customerId: string) {
  const identity = await db.profileIdentity.findFirst({
    where: { shop: { domain: shopDomain }, kind: "shopify_customer", value: customerId },
  });
  return identity ? db.profile.findUniqueOrThrow({ where: { id: identity.profileId } }) : null;
}

async function eventsOf(shopDomain: string, name?: string) {
  return db.event.findMany({ where: { shop: { domain: shopDomain }, ...(name ? { name } : {}) }, orderBy: { sourceId: "asc" } });
}

describe("orders through the webhook routes", () => {
  beforeEach(reset);

  it("turns orders/create into Placed Order, Ordered Product and the customer's numbers", async () => {
    const body = orderPayload("orders/create", { id: ORDER, customerId: CUSTOMER, email: "Ann@Example.com ", total: "120.50" });
    expect(await deliver("orders/create", body, { shop: SHOP })).toBe(200);
    expect(await drainAll()).toBe(1);

    const [placed] = await eventsOf(SHOP, "Placed Order");
    expect(placed).toMatchObject({ sourceId: `order:${ORDER}:placed`, valueMinor: 12050n, currency: "USD" });
    expect(placed.properties).toMatchObject({ orderId: ORDER });
    const lines = await eventsOf(SHOP, "Ordered Product");
    expect(lines).toHaveLength(5); // the sample order has five line items
    expect(lines.every((l) => (l.properties as { orderId: string }).orderId === ORDER)).toBe(true);

    const profile = await profileOf(SHOP, CUSTOMER);
    expect(profile).toMatchObject({
      email: "ann@example.com",
      shopifyCustomerId: CUSTOMER,
      firstName: "John",
      lastName: "Smith",
      ordersCount: 1,
      revenueMinor: 12050n,
      firstOrderAt: new Date("2026-11-20T10:00:00Z"),
      lastOrderAt: new Date("2026-11-20T10:00:00Z"),
      currency: "USD",
    });
    expect(profile?.rfmGroup).toBeTruthy();
    expect(placed.profileId).toBe(profile?.id);
  });

  it("records paid, fulfilled and cancelled orders; a cancellation takes the revenue back", async () => {
    const v = { id: ORDER, customerId: CUSTOMER, email: "ann@example.com", total: "80.00" };
    await deliver("orders/create", orderPayload("orders/create", v), { shop: SHOP });
    await deliver("orders/paid", orderPayload("orders/paid", { ...v, updatedAt: "2026-11-20T11:00:00Z" }), { shop: SHOP });
    await deliver("orders/fulfilled", orderPayload("orders/fulfilled", { ...v, updatedAt: "2026-11-21T11:00:00Z" }), { shop: SHOP });
    await drainAll();
    expect((await profileOf(SHOP, CUSTOMER))?.revenueMinor).toBe(8000n);

    const cancelledAt = "2026-11-22T09:00:00Z";
    await deliver("orders/cancelled", orderPayload("orders/cancelled", { ...v, updatedAt: cancelledAt, cancelledAt }), { shop: SHOP });
    await drainAll();
    const names = (await eventsOf(SHOP)).map((e) => e.name).filter((n) => n !== "Ordered Product");
    expect(names.sort()).toEqual(["Cancelled Order", "Fulfilled Order", "Paid Order", "Placed Order"]);
    expect(await profileOf(SHOP, CUSTOMER)).toMatchObject({ ordersCount: 0, revenueMinor: 0n });
  });

  it("lowers revenue by a partial refund, once however often it is delivered", async () => {
    await deliver("orders/create", orderPayload("orders/create", { id: ORDER, customerId: CUSTOMER, total: "200.00" }), { shop: SHOP });
    await drainAll();
    const refund = samplePayload("refunds/create", (r) => {
      r.order_id = bigId(ORDER);
      for (const t of r.transactions) t.order_id = bigId(ORDER);
    });
    for (let i = 0; i < 3; i++) expect(await deliver("refunds/create", refund, { shop: SHOP })).toBe(200);
    await drainAll();
    const [refunded] = await eventsOf(SHOP, "Refunded Order");
    expect(refunded.valueMinor).toBe(8500n); // the sample's two successful refund transactions, 75.00 + 10.00
    expect(await eventsOf(SHOP, "Refunded Order")).toHaveLength(1);
    expect(await profileOf(SHOP, CUSTOMER)).toMatchObject({ ordersCount: 1, revenueMinor: 11500n, refundedMinor: 8500n });
    const order = await db.orderState.findFirstOrThrow({ where: { orderId: ORDER } });
    expect(order.refundedMinor).toBe(8500n);
  });

  it("does not count Shopify test orders as revenue", async () => {
    await deliver("orders/create", orderPayload("orders/create", { id: ORDER, customerId: CUSTOMER, total: "50.00", test: true }), { shop: SHOP });
    await drainAll();
    expect(await eventsOf(SHOP, "Placed Order")).toHaveLength(1);
    expect(await profileOf(SHOP, CUSTOMER)).toMatchObject({ ordersCount: 0, revenueMinor: 0n });
  });
});

describe("duplicates, late and out-of-order deliveries", () => {
  beforeEach(reset);

  it("stores a delivery redelivered ten times once", async () => {
    const body = orderPayload("orders/create", { id: ORDER, customerId: CUSTOMER, total: "10.00" });
    for (let i = 0; i < 10; i++) expect(await deliver("orders/create", body, { shop: SHOP, webhookId: "wh-1" })).toBe(200);
    expect(await db.inboxEntry.count()).toBe(1);
    await drainAll();
    expect(await eventsOf(SHOP, "Placed Order")).toHaveLength(1);
  });

  it("makes one set of events of ten deliveries of the same order under different webhook ids", async () => {
    const body = orderPayload("orders/create", { id: ORDER, customerId: CUSTOMER, total: "10.00" });
    for (let i = 0; i < 10; i++) await deliver("orders/create", body, { shop: SHOP });
    expect(await db.inboxEntry.count()).toBe(10);
    await drainAll();
    expect(await eventsOf(SHOP, "Placed Order")).toHaveLength(1);
    expect(await eventsOf(SHOP, "Ordered Product")).toHaveLength(5);
    expect(await profileOf(SHOP, CUSTOMER)).toMatchObject({ ordersCount: 1, revenueMinor: 1000n });
  });

  it("never lets an older orders/updated overwrite newer state, whatever order they arrive in", async () => {
    const v = { id: ORDER, customerId: CUSTOMER };
    await deliver("orders/updated", orderPayload("orders/updated", { ...v, total: "70.00", updatedAt: "2026-11-21T10:00:00Z" }), {
      shop: SHOP,
      triggeredAt: "2026-11-21T10:00:00Z",
    });
    await drainAll();
    // The original creation arrives a day late, and an edit from before the newest one arrives after it.
    await deliver("orders/create", orderPayload("orders/create", { ...v, total: "100.00" }), { shop: SHOP, triggeredAt: "2026-11-20T10:00:00Z" });
    await deliver("orders/updated", orderPayload("orders/updated", { ...v, total: "90.00", updatedAt: "2026-11-20T12:00:00Z" }), {
      shop: SHOP,
      triggeredAt: "2026-11-20T12:00:00Z",
    });
    await drainAll();
    expect(await eventsOf(SHOP, "Placed Order")).toHaveLength(1);
    expect((await db.orderState.findFirstOrThrow({ where: { orderId: ORDER } })).totalMinor).toBe(7000n);
    expect(await profileOf(SHOP, CUSTOMER)).toMatchObject({ ordersCount: 1, revenueMinor: 7000n });
  });
});

describe("a worker that crashes mid-drain", () => {
  beforeEach(reset);

  it("leaves its claimed batch to be processed again after the lease, without double counting", async () => {
    for (let i = 0; i < 3; i++) {
      await deliver("orders/create", orderPayload("orders/create", { id: `${ORDER}${i}`, customerId: CUSTOMER, total: "10.00" }), { shop: SHOP });
    }
    const t0 = new Date();
    const { claimInboxBatch } = await import("../../app/models/inbox.server");
    // A worker claims everything, processes one entry, then dies (kill -9) before finishing the batch.
    const claimed = await claimInboxBatch(db, "doomed-worker", t0, 60_000, 100);
    expect(claimed).toHaveLength(3);
    const { drainInboxOnce } = await import("../../app/worker/inbox-worker.server");
    await db.inboxEntry.updateMany({ where: { id: { in: claimed.slice(1).map((c) => c.id) } }, data: { leaseOwner: "x" } });
    await db.inboxEntry.update({ where: { id: claimed[0].id }, data: { leaseUntil: null, leaseOwner: null } });
    await drainInboxOnce(db, { now: () => t0 });
    expect(await db.inboxEntry.count({ where: { status: "done" } })).toBe(1);

    // Inside the lease nobody else takes them; after it they are processed, and replaying the done one is harmless.
    expect((await drainInboxOnce(db, { now: () => new Date(t0.getTime() + 30_000) })).claimed).toBe(0);
    await db.inboxEntry.update({ where: { id: claimed[0].id }, data: { status: "pending" } });
    await drainAll(() => new Date(t0.getTime() + 61_000));
    expect(await db.inboxEntry.count({ where: { status: "done" } })).toBe(3);
    expect(await profileOf(SHOP, CUSTOMER)).toMatchObject({ ordersCount: 3, revenueMinor: 3000n });
    expect(await eventsOf(SHOP, "Placed Order")).toHaveLength(3);
  });

  it("records a payload that can never be processed as failed, with the reason", async () => {
    const body = samplePayload("orders/create", (o) => {
      delete o.id;
    });
    expect(await deliver("orders/create", body, { shop: SHOP })).toBe(200);
    await drainAll();
    const entry = await db.inboxEntry.findFirstOrThrow();
    expect(entry.status).toBe("failed");
    expect(entry.lastError).toMatch(/orders\/create/);
    expect(await db.event.count()).toBe(0);
  });
});

describe("identity", () => {
  beforeEach(reset);

  it("merges the checkout visitor and the Shopify customer into one profile when an order joins them", async () => {
    const checkout = samplePayload("checkouts/create", (c) => {
      c.token = "tok-merge";
      c.email = "merge@example.com";
      c.customer = null;
    });
    await deliver("checkouts/create", checkout, { shop: SHOP });
    const customer = samplePayload("customers/create", (c) => {
      c.id = bigId(CUSTOMER);
      c.email = null;
      c.phone = "+16135550100";
    });
    await deliver("customers/create", customer, { shop: SHOP });
    await drainAll();
    expect(await db.profile.count({ where: { mergedIntoId: null } })).toBe(2);

    const order = orderPayload("orders/create", { id: ORDER, customerId: CUSTOMER, email: "merge@example.com", total: "30.00", checkoutToken: "tok-merge" });
    await deliver("orders/create", order, { shop: SHOP });
    await drainAll();

    const live = await db.profile.findMany({ where: { mergedIntoId: null }, include: { identities: true, events: true } });
    expect(live).toHaveLength(1);
    const [person] = live;
    expect(person.identities.map((i) => `${i.kind}:${i.value}`).sort()).toEqual(
      [`checkout_token:tok-merge`, `email:merge@example.com`, `phone:+16135550100`, `shopify_customer:${CUSTOMER}`].sort(),
    );
    expect(person.events.map((e) => e.name)).toEqual(expect.arrayContaining(["Started Checkout", "Placed Order"]));
    expect(person).toMatchObject({ ordersCount: 1, revenueMinor: 3000n, email: "merge@example.com" });
    expect(await db.event.count({ where: { profileId: { not: person.id } } })).toBe(0);
  });

  it("keeps two Shopify customers apart even when they share a phone number", async () => {
    for (const [id, email] of [["111", "one@example.com"], ["222", "two@example.com"]]) {
      await deliver("customers/create", samplePayload("customers/create", (c) => {
        c.id = bigId(id);
        c.email = email;
        c.phone = "+16135550199";
      }), { shop: SHOP });
    }
    await drainAll();
    expect(await db.profile.count({ where: { mergedIntoId: null, shopifyCustomerId: { not: null } } })).toBe(2);
  });
});

describe("consent, checkouts, returns and customer deletion", () => {
  beforeEach(reset);

  it("keeps email consent from Shopify with its time and source, newest decision winning", async () => {
    await deliver("customers/create", samplePayload("customers/create", (c) => {
      c.id = bigId(CUSTOMER);
      c.email_marketing_consent = { state: "subscribed", opt_in_level: "single_opt_in", consent_updated_at: "2026-11-01T00:00:00Z" };
    }), { shop: SHOP });
    await drainAll();
    expect(await profileOf(SHOP, CUSTOMER)).toMatchObject({ emailConsent: "subscribed", emailConsentAt: new Date("2026-11-01T00:00:00Z"), emailConsentSource: "shopify" });
    expect(await eventsOf(SHOP, "Subscribed to Email")).toHaveLength(1);

    const consent = (state: string, at: string) =>
      samplePayload("customers_email_marketing_consent/update", (c) => {
        c.customer_id = bigId(CUSTOMER);
        c.email_marketing_consent = { state, opt_in_level: null, consent_updated_at: at };
      });
    await deliver("customers_email_marketing_consent/update", consent("unsubscribed", "2026-11-10T00:00:00Z"), { shop: SHOP });
    await deliver("customers_email_marketing_consent/update", consent("subscribed", "2026-11-05T00:00:00Z"), { shop: SHOP });
    await drainAll();
    expect(await profileOf(SHOP, CUSTOMER)).toMatchObject({ emailConsent: "unsubscribed", emailConsentAt: new Date("2026-11-10T00:00:00Z") });
    expect(await eventsOf(SHOP, "Unsubscribed from Email")).toHaveLength(1);
  });

  it("records started and updated checkouts with their items and recovery link", async () => {
    const body = samplePayload("checkouts/create", (c) => {
      c.token = "tok-1";
      c.email = "cart@example.com";
    });
    await deliver("checkouts/create", body, { shop: SHOP });
    await deliver("checkouts/update", samplePayload("checkouts/update", (c) => {
      c.token = "tok-1";
      c.email = "cart@example.com";
      c.updated_at = "2026-11-23T10:00:00Z";
    }), { shop: SHOP });
    await drainAll();
    const [started] = await eventsOf(SHOP, "Started Checkout");
    expect(started.valueMinor).toBe(42188n);
    expect(started.properties).toMatchObject({ checkoutToken: "tok-1", abandonedCheckoutUrl: expect.stringContaining("http") });
    expect((started.properties as { lineItems: unknown[] }).lineItems.length).toBeGreaterThan(0);
    expect(await eventsOf(SHOP, "Updated Checkout")).toHaveLength(1);
    const profile = await db.profile.findFirstOrThrow({ where: { email: "cart@example.com" } });
    expect(started.profileId).toBe(profile.id);
  });

  it("puts returns on the profile that placed the order", async () => {
    await deliver("orders/create", orderPayload("orders/create", { id: ORDER, customerId: CUSTOMER, total: "40.00" }), { shop: SHOP });
    for (const topic of ["returns/request", "returns/approve", "returns/close"] as const) {
      await deliver(topic, samplePayload(topic, (r) => {
        // returns/close names the order by order_id, the others by an order object
        if (r.order) r.order.id = bigId(ORDER);
        else r.order_id = bigId(ORDER);
      }), { shop: SHOP });
    }
    await drainAll();
    const returns = await eventsOf(SHOP, "Returned Order");
    expect(returns).toHaveLength(3);
    const profile = await profileOf(SHOP, CUSTOMER);
    expect(returns.every((r) => r.profileId === profile?.id)).toBe(true);
  });

  it("unlinks a deleted Shopify customer but keeps the shop's history", async () => {
    await deliver("orders/create", orderPayload("orders/create", { id: ORDER, customerId: CUSTOMER, email: "gone@example.com", total: "40.00" }), { shop: SHOP });
    await drainAll();
    await deliver("customers/delete", `{"id": ${CUSTOMER}}`, { shop: SHOP });
    await drainAll();
    expect(await profileOf(SHOP, CUSTOMER)).toBeNull();
    const profile = await db.profile.findFirstOrThrow({ where: { email: "gone@example.com" } });
    expect(profile).toMatchObject({ shopifyCustomerId: null, ordersCount: 1 });
  });
});

describe("bad input writes nothing", () => {
  beforeEach(reset);
  const body = () => orderPayload("orders/create", { id: ORDER, customerId: CUSTOMER, total: "10.00" });

  it.each([
    ["a wrong signature", { secret: "not-the-secret" }, 401],
    ["no signature", { secret: null }, 401],
    ["a topic header that does not match the route", { topicHeader: "orders/paid" }, 400],
  ] as const)("rejects %s", async (_name, options, status) => {
    const before = await rowCounts();
    expect(await deliver("orders/create", body(), { shop: SHOP, ...options })).toBe(status);
    expect(await rowCounts()).toEqual(before);
  });

  it("rejects an unknown shop, an uninstalled shop, malformed JSON and an oversized body", async () => {
    const before = await rowCounts();
    expect(await deliver("orders/create", body(), { shop: "stranger.myshopify.com" })).toBe(404);
    await db.shop.update({ where: { domain: OTHER_SHOP }, data: { uninstalledAt: new Date() } });
    expect(await deliver("orders/create", body(), { shop: OTHER_SHOP })).toBe(410);
    expect(await deliver("orders/create", "{\"id\": 1,", { shop: SHOP })).toBe(400);
    const huge = JSON.stringify({ id: 1, note: "x".repeat(MAX_WEBHOOK_BYTES) });
    expect(await deliver("orders/create", huge, { shop: SHOP })).toBe(413);
    expect(await rowCounts()).toEqual(before);
  });

  it("never lets shop B's delivery touch shop A's customers", async () => {
    await deliver("orders/create", orderPayload("orders/create", { id: ORDER, customerId: CUSTOMER, email: "shared@example.com", total: "10.00" }), { shop: SHOP });
    await drainAll();
    const before = await profileOf(SHOP, CUSTOMER);
    await deliver("orders/create", orderPayload("orders/create", { id: ORDER, customerId: CUSTOMER, email: "shared@example.com", total: "99.00" }), { shop: OTHER_SHOP });
    await deliver("customers/delete", `{"id": ${CUSTOMER}}`, { shop: OTHER_SHOP });
    await drainAll();
    expect(await profileOf(SHOP, CUSTOMER)).toEqual({ ...before, updatedAt: expect.any(Date) });
    expect((await eventsOf(SHOP, "Placed Order"))[0].valueMinor).toBe(1000n);
    expect((await eventsOf(OTHER_SHOP, "Placed Order"))[0].valueMinor).toBe(9900n);
  });
});
