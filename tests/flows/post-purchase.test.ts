// The post-purchase preset end to end: signed orders/* webhooks -> inbox -> events -> flow worker -> outbox.
import { describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { presetScenario } from "../helpers/flows";
import { deliver } from "../helpers/ingest";
import { bigId, orderPayload, samplePayload } from "../helpers/payloads";

const SHOP = "flows-post-purchase.myshopify.com";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = new Date("2026-11-20T10:00:00Z");
const at = (days: number, hours = 0, minutes = 0) => new Date(T0.getTime() + days * DAY + hours * HOUR + minutes * 60_000);

const scenario = presetScenario(SHOP, "post_purchase");
const tick = scenario.tick;

type Consent = "subscribed" | "not_subscribed";

/** customers/create for a customer who gave (or did not give) email consent on 2026-10-01, before every order. */
async function customer(customerId: string, email: string, consent: Consent = "subscribed") {
  const when = "2026-10-01T12:00:00Z";
  const body = samplePayload("customers/create", (c) => {
    c.id = bigId(customerId);
    c.admin_graphql_api_id = `gid://shopify/Customer/${customerId}`;
    c.email = email;
    c.first_name = "Cleo";
    c.created_at = when;
    c.updated_at = when;
    c.email_marketing_consent = { state: consent, opt_in_level: "single_opt_in", consent_updated_at: when };
  });
  expect(await deliver("customers/create", body, { shop: SHOP, triggeredAt: when })).toBe(200);
}

async function placeOrder(orderId: string, customerId: string, email: string, placedAt: Date, extra: { test?: boolean; total?: string } = {}) {
  const body = orderPayload("orders/create", { id: orderId, customerId, email, createdAt: placedAt.toISOString(), ...extra });
  expect(await deliver("orders/create", body, { shop: SHOP, triggeredAt: placedAt.toISOString() })).toBe(200);
}

async function fulfil(orderId: string, customerId: string, email: string, placedAt: Date, fulfilledAt: Date) {
  const body = orderPayload("orders/fulfilled", {
    id: orderId,
    customerId,
    email,
    createdAt: placedAt.toISOString(),
    updatedAt: fulfilledAt.toISOString(),
  });
  expect(await deliver("orders/fulfilled", body, { shop: SHOP, triggeredAt: fulfilledAt.toISOString() })).toBe(200);
}

async function cancel(orderId: string, customerId: string, email: string, placedAt: Date, cancelledAt: Date) {
  const body = orderPayload("orders/cancelled", {
    id: orderId,
    customerId,
    email,
    createdAt: placedAt.toISOString(),
    updatedAt: cancelledAt.toISOString(),
    cancelledAt: cancelledAt.toISOString(),
  });
  expect(await deliver("orders/cancelled", body, { shop: SHOP, triggeredAt: cancelledAt.toISOString() })).toBe(200);
}

/** refunds/create with the sample's two successful refund transactions: 75.00 + 10.00 = 85.00. */
async function refund(refundId: string, orderId: string, when: Date) {
  const body = samplePayload("refunds/create", (r) => {
    r.id = bigId(refundId);
    r.order_id = bigId(orderId);
    r.created_at = when.toISOString();
    r.processed_at = when.toISOString();
    for (const t of r.transactions) t.order_id = bigId(orderId);
  });
  expect(await deliver("refunds/create", body, { shop: SHOP, triggeredAt: when.toISOString() })).toBe(200);
}

const messagesTo = (email: string) => db.message.findMany({ where: { shopId: scenario.shopId(), toEmail: email }, orderBy: { queuedAt: "asc" } });
const sent = async (email: string) => (await messagesTo(email)).map((m) => [m.stepId, m.subject, m.status, m.sentAt?.toISOString()]);
const runsOf = (email: string) => db.flowRun.findMany({ where: { shopId: scenario.shopId(), profile: { email } }, orderBy: { enteredAt: "asc" } });

// Shopify ids above 2^53 (9007199254740992): they must survive JSON untouched.
const FIRST = { customer: "9007199254740993", order: "12345678901234567", email: "first@example.com" };
const REPEAT = { customer: "7205759403792793601", order: "45035996273704961", oldOrder: "45035996273704959", email: "repeat@example.com" };
const CANCEL = { customer: "9223372036854775001", order: "18014398509481985", email: "cancel@example.com" };
const NOCONSENT = { customer: "36028797018963969", order: "36028797018963971", email: "nope@example.com" };

describe("post-purchase flow", () => {
  it("thanks a first-time buyer at once, asks for a review 7 days after fulfilment, cross-sells after 14 days", async () => {
    await customer(FIRST.customer, FIRST.email);
    await placeOrder(FIRST.order, FIRST.customer, FIRST.email, T0);
    const first = await tick(at(0, 0, 1));
    expect(first.triggered.started).toBe(1);
    expect(await sent(FIRST.email)).toEqual([["thanks_first", "Thank you for your first order", "sent", at(0, 0, 1).toISOString()]]);
    const [run] = await runsOf(FIRST.email);
    // The big order id is kept exactly on the run's trigger.
    expect(String((run.state as { trigger: { properties: { orderId: unknown } } }).trigger.properties.orderId)).toBe(FIRST.order);
    // Not fulfilled yet: the wait times out 14 days after the thank-you step.
    expect(run).toMatchObject({ status: "waiting", stepId: "wait_fulfilled", nextRunAt: at(14, 0, 1) });

    // Fulfilled a day later: the fulfilment wakes the run, the review request is due 7 days after it.
    await fulfil(FIRST.order, FIRST.customer, FIRST.email, T0, at(1));
    const woken = await tick(at(1, 0, 1));
    expect(woken.triggered.woken).toBe(1);
    expect((await runsOf(FIRST.email))[0]).toMatchObject({ status: "waiting", nextRunAt: at(8) });

    await tick(at(7, 23, 59));
    expect(await messagesTo(FIRST.email)).toHaveLength(1);
    await tick(at(8));
    expect((await sent(FIRST.email))[1]).toEqual(["review_request", "How do you like it?", "sent", at(8).toISOString()]);
    expect((await runsOf(FIRST.email))[0]).toMatchObject({ status: "waiting", stepId: "wait_14_days", nextRunAt: at(14) });

    await tick(at(13, 23, 59));
    expect(await messagesTo(FIRST.email)).toHaveLength(2);
    await tick(at(14));
    expect(await sent(FIRST.email)).toEqual([
      ["thanks_first", "Thank you for your first order", "sent", at(0, 0, 1).toISOString()],
      ["review_request", "How do you like it?", "sent", at(8).toISOString()],
      ["cross_sell", "Picked to go with your order", "sent", at(14).toISOString()],
    ]);
    // One order: no purchase rhythm, so no replenishment wait.
    expect((await runsOf(FIRST.email))[0]).toMatchObject({ status: "completed", nextRunAt: null });
    await tick(at(200));
    expect(await messagesTo(FIRST.email)).toHaveLength(3);
  });

  it("thanks a repeat buyer differently; an unfulfilled order gets no review request but the cross-sell at 14 days", async () => {
    await customer(REPEAT.customer, REPEAT.email);
    // An order from 90 days ago arrives now (history): it counts for the profile but starts no run (stale).
    await placeOrder(REPEAT.oldOrder, REPEAT.customer, REPEAT.email, at(-90));
    await placeOrder(REPEAT.order, REPEAT.customer, REPEAT.email, T0);
    const first = await tick(at(0, 0, 1));
    expect(first.triggered).toMatchObject({ started: 1, refused: { stale_trigger: 1 } });
    const profile = await db.profile.findFirstOrThrow({ where: { shopId: scenario.shopId(), email: REPEAT.email } });
    expect(profile.ordersCount).toBe(2);
    expect(await sent(REPEAT.email)).toEqual([["thanks_repeat", "Thanks for coming back", "sent", at(0, 0, 1).toISOString()]]);

    await tick(at(8));
    expect(await messagesTo(REPEAT.email)).toHaveLength(1);
    await tick(at(14, 0, 1)); // the fulfilment wait times out 14 days after it began
    expect((await messagesTo(REPEAT.email)).map((m) => m.stepId)).toEqual(["thanks_repeat", "cross_sell"]);
    // Two orders 90 days apart: the next is expected 90 days after the last, the replenishment email then at 10:00.
    expect(profile.expectedNextOrderAt).toEqual(at(90));
    const [run] = await runsOf(REPEAT.email);
    expect(run).toMatchObject({ status: "waiting", stepId: "wait_replenish", nextRunAt: at(90) });
    await tick(at(90));
    expect((await messagesTo(REPEAT.email)).map((m) => [m.stepId, m.sentAt])).toEqual([
      ["thanks_repeat", at(0, 0, 1)],
      ["cross_sell", at(14, 0, 1)],
      ["replenish", at(90)],
    ]);
  });

  it("a late fulfilment (day 10) moves the review to day 17; the overdue cross-sell waits out smart sending, then quiet hours", async () => {
    await customer(FIRST.customer, FIRST.email);
    await placeOrder(FIRST.order, FIRST.customer, FIRST.email, T0);
    await tick(at(0, 0, 1));
    await fulfil(FIRST.order, FIRST.customer, FIRST.email, T0, at(10));
    await tick(at(10, 0, 1));
    await tick(at(14));
    expect((await messagesTo(FIRST.email)).map((m) => m.stepId)).toEqual(["thanks_first"]);
    await tick(at(17));
    // The 14 days from the order have passed, but the review request went out just now: 16 hours of smart sending
    // end at 02:00 UTC, inside quiet hours (21:00-08:00 UTC), so 08:00.
    const morning = at(18, -2);
    expect((await runsOf(FIRST.email))[0]).toMatchObject({ status: "waiting", stepId: "cross_sell", nextRunAt: morning });
    await tick(at(18, -2, -1));
    expect((await messagesTo(FIRST.email)).map((m) => m.stepId)).toEqual(["thanks_first", "review_request"]);
    await tick(morning);
    expect((await messagesTo(FIRST.email)).map((m) => [m.stepId, m.sentAt])).toEqual([
      ["thanks_first", at(0, 0, 1)],
      ["review_request", at(17)],
      ["cross_sell", morning],
    ]);
  });

  it("an order cancelled while its thank-you waits out quiet hours gets no email at all", async () => {
    await db.shop.update({ where: { id: scenario.shopId() }, data: { timezone: "America/New_York" } });
    await customer(CANCEL.customer, CANCEL.email);
    const night = new Date("2026-11-25T03:30:00Z"); // 22:30 EST
    await placeOrder(CANCEL.order, CANCEL.customer, CANCEL.email, night);
    await tick(new Date(night.getTime() + 60_000));
    await cancel(CANCEL.order, CANCEL.customer, CANCEL.email, night, new Date("2026-11-25T04:00:00Z"));
    await tick(new Date("2026-11-25T04:01:00Z"));
    expect((await runsOf(CANCEL.email))[0]).toMatchObject({ status: "exited", exitReason: "order_cancelled" });
    await tick(new Date("2026-11-25T13:00:00Z"));
    await tick(at(30));
    expect(await messagesTo(CANCEL.email)).toHaveLength(0);
  });

  it("exits on orders/cancelled: nothing after the thank-you", async () => {
    await customer(CANCEL.customer, CANCEL.email);
    await placeOrder(CANCEL.order, CANCEL.customer, CANCEL.email, T0);
    await tick(at(0, 0, 1));
    expect(await messagesTo(CANCEL.email)).toHaveLength(1);

    await cancel(CANCEL.order, CANCEL.customer, CANCEL.email, T0, at(2));
    const woken = await tick(at(2, 0, 1));
    expect(woken.triggered.woken).toBe(1);
    expect((await runsOf(CANCEL.email))[0]).toMatchObject({ status: "exited", exitReason: "order_cancelled", nextRunAt: null });
    for (const day of [8, 14, 30]) await tick(at(day));
    expect((await messagesTo(CANCEL.email)).map((m) => m.stepId)).toEqual(["thanks_first"]);
  });

  it("exits on a full refund of the order; a partial refund changes nothing", async () => {
    await customer(CANCEL.customer, CANCEL.email);
    await placeOrder(CANCEL.order, CANCEL.customer, CANCEL.email, T0, { total: "85.00" });
    await customer(FIRST.customer, FIRST.email);
    await placeOrder(FIRST.order, FIRST.customer, FIRST.email, T0, { total: "200.00" });
    await tick(at(0, 0, 1));
    await refund("36028797018964123", CANCEL.order, at(3));
    await refund("36028797018964125", FIRST.order, at(3));
    await tick(at(3, 0, 1));
    expect((await runsOf(CANCEL.email))[0]).toMatchObject({ status: "exited", exitReason: "order_refunded" });
    expect((await runsOf(FIRST.email))[0]).toMatchObject({ status: "waiting", exitReason: null });
    await tick(at(14, 0, 1));
    expect((await messagesTo(CANCEL.email)).map((m) => m.stepId)).toEqual(["thanks_first"]);
    expect((await messagesTo(FIRST.email)).map((m) => m.stepId)).toEqual(["thanks_first", "cross_sell"]);
  });

  it("a cancellation of another order does not stop this order's run", async () => {
    await customer(CANCEL.customer, CANCEL.email);
    await placeOrder(CANCEL.order, CANCEL.customer, CANCEL.email, T0);
    await tick(at(0, 0, 1));
    // A second order placed and cancelled on day 2: its own run exits, the first one goes on.
    const other = "18014398509481999";
    await placeOrder(other, CANCEL.customer, CANCEL.email, at(2));
    await cancel(other, CANCEL.customer, CANCEL.email, at(2), at(2, 1));
    await tick(at(2, 1, 1));
    const runs = await runsOf(CANCEL.email);
    expect(runs.map((r) => [r.status, r.exitReason])).toEqual([
      ["waiting", null],
      ["exited", "order_cancelled"],
    ]);
    await tick(at(14, 0, 1));
    expect((await messagesTo(CANCEL.email)).map((m) => m.stepId)).toEqual(["thanks_first", "cross_sell"]);
  });

  it("skips a customer without consent and ignores test orders", async () => {
    await customer(NOCONSENT.customer, NOCONSENT.email, "not_subscribed");
    await placeOrder(NOCONSENT.order, NOCONSENT.customer, NOCONSENT.email, T0);
    await customer(FIRST.customer, FIRST.email);
    await placeOrder(FIRST.order, FIRST.customer, FIRST.email, T0, { test: true });
    const first = await tick(at(0, 0, 1));
    expect(first.triggered).toMatchObject({ started: 1, refused: { trigger_filters: 1 } });
    expect(await db.flowRun.count({ where: { shopId: scenario.shopId(), profile: { email: FIRST.email } } })).toBe(0);

    await tick(at(14, 0, 1));
    expect(await db.message.count({ where: { shopId: scenario.shopId() } })).toBe(0);
    const [run] = await runsOf(NOCONSENT.email);
    const skips = (run.state as { skips: Array<{ stepId: string; reason: string }> }).skips;
    expect(skips.map((s) => [s.stepId, s.reason])).toEqual([
      ["thanks_first", "no_consent"],
      ["cross_sell", "no_consent"],
    ]);
  });

  it("postpones the thank-you past quiet hours in the shop's timezone", async () => {
    await db.shop.update({ where: { id: scenario.shopId() }, data: { timezone: "America/New_York" } });
    await customer(FIRST.customer, FIRST.email);
    const night = new Date("2026-11-25T03:30:00Z"); // 22:30 in New York (EST)
    await placeOrder(FIRST.order, FIRST.customer, FIRST.email, night);
    await tick(new Date(night.getTime() + 60_000));
    expect(await messagesTo(FIRST.email)).toHaveLength(0);
    const morning = new Date("2026-11-25T13:00:00Z"); // 08:00 EST
    expect((await runsOf(FIRST.email))[0]).toMatchObject({ status: "waiting", stepId: "thanks_first", nextRunAt: morning });
    await tick(new Date(morning.getTime() - 60_000));
    expect(await messagesTo(FIRST.email)).toHaveLength(0);
    await tick(morning);
    expect(await sent(FIRST.email)).toEqual([["thanks_first", "Thank you for your first order", "sent", morning.toISOString()]]);
  });
});
