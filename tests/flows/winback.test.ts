// The winback preset end to end: orders/create webhooks -> profile order stats -> flow worker -> outbox.
// Waits the later of 180 days and 1.5x the customer's average gap between orders; a newer order restarts the wait.
import { describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { presetScenario } from "../helpers/flows";
import { deliver } from "../helpers/ingest";
import { bigId, orderPayload, samplePayload } from "../helpers/payloads";

const SHOP = "flows-winback.myshopify.com";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = new Date("2026-11-20T10:00:00Z");
const at = (days: number, hours = 0, minutes = 0) => new Date(T0.getTime() + days * DAY + hours * HOUR + minutes * 60_000);

const scenario = presetScenario(SHOP, "winback");
const tick = scenario.tick;

async function customer(customerId: string, email: string) {
  const when = "2026-10-01T12:00:00Z";
  const body = samplePayload("customers/create", (c) => {
    c.id = bigId(customerId);
    c.admin_graphql_api_id = `gid://shopify/Customer/${customerId}`;
    c.email = email;
    c.first_name = "Wyn";
    c.created_at = when;
    c.updated_at = when;
    c.email_marketing_consent = { state: "subscribed", opt_in_level: "single_opt_in", consent_updated_at: when };
  });
  expect(await deliver("customers/create", body, { shop: SHOP, triggeredAt: when })).toBe(200);
}

async function placeOrder(orderId: string, customerId: string, email: string, placedAt: Date) {
  const body = orderPayload("orders/create", { id: orderId, customerId, email, createdAt: placedAt.toISOString() });
  expect(await deliver("orders/create", body, { shop: SHOP, triggeredAt: placedAt.toISOString() })).toBe(200);
}

const messagesTo = (email: string) => db.message.findMany({ where: { shopId: scenario.shopId(), toEmail: email }, orderBy: { queuedAt: "asc" } });
const sends = async (email: string) => (await messagesTo(email)).map((m) => [m.stepId, m.status, m.sentAt?.toISOString()]);
const runsOf = (email: string) => db.flowRun.findMany({ where: { shopId: scenario.shopId(), profile: { email } }, orderBy: { enteredAt: "asc" } });

// Ids above 2^53.
const ONE = { customer: "9007199254740995", email: "once@example.com" };
const SLOW = { customer: "7205759403792794001", email: "slow@example.com" };
const FAST = { customer: "36028797018964001", email: "fast@example.com" };
const LATE = { customer: "9223372036854770001", email: "late@example.com" };

describe("winback flow", () => {
  it("one order: 'We miss you' after 180 days, the 15% offer 7 days later", async () => {
    await customer(ONE.customer, ONE.email);
    await placeOrder("45035996273705001", ONE.customer, ONE.email, T0);
    expect((await tick(at(0, 0, 1))).triggered.started).toBe(1);
    expect((await runsOf(ONE.email))[0]).toMatchObject({ status: "waiting", stepId: "wait_overdue", nextRunAt: at(180) });

    await tick(at(179, 23, 59));
    expect(await messagesTo(ONE.email)).toHaveLength(0);
    await tick(at(180));
    expect(await sends(ONE.email)).toEqual([["winback_1", "sent", at(180).toISOString()]]);
    expect((await messagesTo(ONE.email))[0].subject).toBe("We miss you");

    await tick(at(186, 23, 59));
    expect(await messagesTo(ONE.email)).toHaveLength(1);
    await tick(at(187));
    expect(await sends(ONE.email)).toEqual([
      ["winback_1", "sent", at(180).toISOString()],
      ["winback_2", "sent", at(187).toISOString()],
    ]);
    expect((await messagesTo(ONE.email))[1].subject).toBe("15% off your next order");
    expect((await runsOf(ONE.email))[0]).toMatchObject({ status: "completed" });
  });

  it("a customer who orders every 130 days waits 1.5 x 130 = 195 days; the older run exits on the newer order", async () => {
    await customer(SLOW.customer, SLOW.email);
    await placeOrder("45035996273705011", SLOW.customer, SLOW.email, T0);
    await tick(at(0, 0, 1));
    await placeOrder("45035996273705013", SLOW.customer, SLOW.email, at(130));
    const second = await tick(at(130, 0, 1));
    expect(second.triggered).toMatchObject({ started: 1, woken: 1 });
    const runs = await runsOf(SLOW.email);
    expect(runs.map((r) => [r.status, r.exitReason])).toEqual([
      ["exited", "placed_order"],
      ["waiting", null],
    ]);
    expect(runs[1].nextRunAt).toEqual(at(130 + 195));

    await tick(at(180)); // the first order's 180 days: nothing, that run is over
    await tick(at(310)); // 180 days after the second order: not yet, this customer's rhythm is slower
    expect(await messagesTo(SLOW.email)).toHaveLength(0);
    await tick(at(325));
    await tick(at(332));
    expect(await sends(SLOW.email)).toEqual([
      ["winback_1", "sent", at(325).toISOString()],
      ["winback_2", "sent", at(332).toISOString()],
    ]);
  });

  it("a customer who orders every 100 days still waits the 180-day minimum after the last order", async () => {
    await customer(FAST.customer, FAST.email);
    await placeOrder("45035996273705021", FAST.customer, FAST.email, T0);
    await tick(at(0, 0, 1));
    await placeOrder("45035996273705023", FAST.customer, FAST.email, at(100));
    await tick(at(100, 0, 1));
    const runs = await runsOf(FAST.email);
    expect(runs[1]).toMatchObject({ status: "waiting", nextRunAt: at(280) });
    await tick(at(180));
    expect(await messagesTo(FAST.email)).toHaveLength(0);
    await tick(at(280));
    await tick(at(287));
    expect(await sends(FAST.email)).toEqual([
      ["winback_1", "sent", at(280).toISOString()],
      ["winback_2", "sent", at(287).toISOString()],
    ]);
  });

  it("an order placed before the due time but reported only then still stops the email", async () => {
    await customer(LATE.customer, LATE.email);
    await placeOrder("45035996273705031", LATE.customer, LATE.email, T0);
    await tick(at(0, 0, 1));
    // Placed on day 179, delivered on day 180, in the same pass that would send winback_1.
    await placeOrder("45035996273705033", LATE.customer, LATE.email, at(179, 12));
    await tick(at(180));
    expect(await messagesTo(LATE.email)).toHaveLength(0);
    const runs = await runsOf(LATE.email);
    expect(runs.map((r) => [r.status, r.exitReason])).toEqual([
      ["exited", "placed_order"],
      ["waiting", null],
    ]);
    await tick(at(187));
    expect(await messagesTo(LATE.email)).toHaveLength(0);
  });

  it("an order between the two emails stops the offer; the new order's run starts its own wait", async () => {
    await customer(ONE.customer, ONE.email);
    await placeOrder("45035996273705041", ONE.customer, ONE.email, T0);
    await tick(at(0, 0, 1));
    await tick(at(180));
    expect(await messagesTo(ONE.email)).toHaveLength(1);

    await placeOrder("45035996273705043", ONE.customer, ONE.email, at(183));
    await tick(at(183, 0, 1));
    const runs = await runsOf(ONE.email);
    expect(runs.map((r) => [r.status, r.exitReason])).toEqual([
      ["exited", "placed_order"],
      ["waiting", null],
    ]);
    // Average gap 183 days: 1.5 x 183 = 274.5 days after the second order, i.e. 22:00 UTC, inside quiet hours.
    expect(runs[1].nextRunAt).toEqual(at(183 + 274.5));
    await tick(at(187));
    expect((await messagesTo(ONE.email)).map((m) => m.stepId)).toEqual(["winback_1"]);

    await tick(at(183 + 274.5));
    expect(await messagesTo(ONE.email)).toHaveLength(1);
    const morning = at(458, -2); // 08:00 UTC the next day
    expect((await runsOf(ONE.email))[1].nextRunAt).toEqual(morning);
    await tick(morning);
    expect(await sends(ONE.email)).toEqual([
      ["winback_1", "sent", at(180).toISOString()],
      ["winback_1", "sent", morning.toISOString()],
    ]);
  });

  // A Shopify test order is not a purchase: it must neither start a new wait nor end the current one.
  it("a test order (test: true) neither restarts nor cancels the wait", async () => {
    await customer(ONE.customer, ONE.email);
    await placeOrder("45035996273705051", ONE.customer, ONE.email, T0);
    await tick(at(0, 0, 1));
    const body = orderPayload("orders/create", { id: "45035996273705053", customerId: ONE.customer, email: ONE.email, createdAt: at(50).toISOString(), test: true });
    expect(await deliver("orders/create", body, { shop: SHOP, triggeredAt: at(50).toISOString() })).toBe(200);
    const pass = await tick(at(50, 0, 1));
    expect(pass.triggered).toMatchObject({ started: 0, refused: { trigger_filters: 1 } });
    expect((await runsOf(ONE.email)).map((r) => [r.status, r.exitReason])).toEqual([["waiting", null]]);
    await tick(at(180));
    expect((await messagesTo(ONE.email)).map((m) => [m.stepId, m.sentAt])).toEqual([["winback_1", at(180)]]);
  });
});
