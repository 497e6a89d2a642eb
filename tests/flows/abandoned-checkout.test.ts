// The abandoned-checkout preset end to end: signed webhooks -> inbox -> events -> flow worker -> outbox.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { isWellFormedCode } from "../../app/domain/email/discount-code";
import { verifyClickToken } from "../../app/domain/email/tracking-token";
import { switchOnPreset } from "../../app/models/flow-definitions.server";
import { ensureShop } from "../../app/models/shop.server";
import { createResendMailer } from "../../app/services/mailer/resend.server";
import { deliverQueued } from "../../app/models/messages.server";
import { advanceDueRuns } from "../../app/worker/flow-worker.server";
import { startFakeResend, type FakeResend } from "../helpers/fake-resend";
import { flowClock } from "../helpers/flows";
import { deliver, drainAll } from "../helpers/ingest";
import { bigId, orderPayload, samplePayload } from "../helpers/payloads";

const SHOP = "flows-checkout.myshopify.com";
const T0 = new Date("2026-11-20T09:00:00Z");
const at = (hours: number, minutes = 0) => new Date(T0.getTime() + hours * 3_600_000 + minutes * 60_000);

let shopId: string;

beforeEach(async () => {
  await db.shop.deleteMany();
  const shop = await ensureShop(db, SHOP, new Date("2026-01-01T00:00:00Z"));
  shopId = shop.id;
  await switchOnPreset(db, shopId, "abandoned_checkout");
  clock.reset();
});

// Resend's side: a local server that speaks its API, so an outage can be scripted.
let resend: FakeResend;
beforeAll(async () => {
  resend = await startFakeResend();
});
afterAll(() => resend?.close());
const clock = flowClock(() => shopId);
const tick = (now: Date) => clock.tick(now);

type Consent = "subscribed" | "not_subscribed";

function checkout(customerId: string, email: string, options: { consent?: Consent; firstName?: string } = {}) {
  return samplePayload("checkouts/create", (c) => {
    c.token = `tok-${customerId}`;
    c.created_at = T0.toISOString();
    c.updated_at = T0.toISOString();
    c.email = email;
    c.abandoned_checkout_url = `https://shop.example/checkouts/${customerId}?a=1&b="2"`;
    c.customer.id = bigId(customerId);
    c.customer.email = email;
    c.customer.first_name = options.firstName ?? "Ann";
    c.customer.email_marketing_consent = {
      state: options.consent ?? "subscribed",
      opt_in_level: "single_opt_in",
      consent_updated_at: "2026-11-01T00:00:00Z",
    };
  });
}

async function startCheckout(customerId: string, email: string, options?: { consent?: Consent; firstName?: string }) {
  expect(await deliver("checkouts/create", checkout(customerId, email, options), { shop: SHOP, triggeredAt: T0.toISOString() })).toBe(200);
}

async function placeOrder(customerId: string, email: string, placedAt: Date) {
  const body = orderPayload("orders/create", { id: `77${customerId}`, customerId, email, createdAt: placedAt.toISOString() });
  expect(await deliver("orders/create", body, { shop: SHOP, triggeredAt: placedAt.toISOString() })).toBe(200);
}

/** The destinations of an email's click-tracking links, read back from their signed tokens. */
function trackedDestinations(html: string): URL[] {
  const tokens = [...html.matchAll(/\/t\/c\/([^"&]+)/g)].map((m) => m[1]);
  expect(tokens.length).toBeGreaterThan(0);
  return tokens.map((token) => {
    const check = verifyClickToken(token, process.env.SESSION_SECRET!);
    if (!check.ok) throw new Error(`click token does not verify: ${check.reason}`);
    return new URL(check.claims.url);
  });
}

const messagesTo = (email: string) => db.message.findMany({ where: { shopId, toEmail: email }, orderBy: { queuedAt: "asc" } });
const runOf = async (email: string) => db.flowRun.findFirstOrThrow({ where: { shopId, profile: { email } } });

describe("abandoned checkout flow", () => {
  it("sends the first reminder after 4 hours and the second after 24 or 48 hours by A/B variant", async () => {
    const customers = Array.from({ length: 8 }, (_, i) => ({ id: `900000000000000${i}`, email: `buyer${i}@example.com` }));
    for (const c of customers) await startCheckout(c.id, c.email, { firstName: `<b>Ann ${c.id.slice(-1)}</b>` });

    const first = await tick(at(0, 1));
    expect(first.triggered.started).toBe(customers.length);
    expect(await db.message.count({ where: { shopId } })).toBe(0);

    await tick(at(3, 59));
    expect(await db.message.count({ where: { shopId } })).toBe(0);

    await tick(at(4));
    for (const c of customers) {
      const [message] = await messagesTo(c.email);
      expect(message).toMatchObject({ status: "sent", provider: "outbox", stepId: "checkout_1", subject: "You left something behind", sentAt: at(4) });
      // The first name is escaped, and so is the checkout link.
      expect(message.html).toContain(`Hi &lt;b&gt;Ann ${c.id.slice(-1)}&lt;/b&gt;,`);
      expect(message.html).not.toContain("<b>");
      // The checkout link is click-tracked: its signed token carries the decorated checkout URL, quote intact.
      const destinations = trackedDestinations(message.html ?? "");
      const checkoutLink = destinations.find((url) => url.pathname === `/checkouts/${c.id}`);
      expect(checkoutLink?.searchParams.get("b")).toBe('"2"');
      expect(checkoutLink?.searchParams.get("utm_campaign")).toBe("abandoned_checkout_1");
      expect(checkoutLink?.searchParams.get("_sft")).toBeTruthy();
      expect(message.text).toContain(`Hi <b>Ann ${c.id.slice(-1)}</b>,`);
    }
    expect(await db.message.count({ where: { shopId } })).toBe(customers.length);

    const variants = new Map<string, string>();
    for (const c of customers) {
      const run = await runOf(c.email);
      variants.set(c.email, (run.state as { variants: Record<string, string> }).variants.timing_test);
      expect(run.nextRunAt).toEqual(variants.get(c.email) === "24h" ? at(24) : at(48));
    }
    expect(new Set(variants.values())).toEqual(new Set(["24h", "48h"]));

    await tick(at(24));
    for (const c of customers) {
      expect((await messagesTo(c.email)).map((m) => m.stepId)).toEqual(
        variants.get(c.email) === "24h" ? ["checkout_1", "checkout_2"] : ["checkout_1"],
      );
    }
    await tick(at(48));
    for (const c of customers) {
      const messages = await messagesTo(c.email);
      expect(messages.map((m) => m.stepId)).toEqual(["checkout_1", "checkout_2"]);
      expect(messages[1]).toMatchObject({ status: "sent", variant: variants.get(c.email), sentAt: variants.get(c.email) === "24h" ? at(24) : at(48) });
      expect(messages[1].idempotencyKey).toBe(`${messages[1].runId}:checkout_2:1:${variants.get(c.email)}`);
    }
  });

  it("exits when an order arrives before the next due step, and queues nothing more", async () => {
    await startCheckout("9100000000000001", "ann@example.com");
    await tick(at(0, 1));
    await tick(at(4));
    expect(await messagesTo("ann@example.com")).toHaveLength(1);

    await placeOrder("9100000000000001", "ann@example.com", at(10));
    const woken = await tick(at(10, 1));
    expect(woken.triggered.woken).toBe(1);
    expect(await runOf("ann@example.com")).toMatchObject({ status: "exited", exitReason: "placed_order", nextRunAt: null });

    await tick(at(48));
    await tick(at(100));
    expect(await messagesTo("ann@example.com")).toHaveLength(1);
  });

  it("does not send a reminder held back by a Resend outage once the order has come in", async () => {
    const resendClock = flowClock(() => shopId, {
      mailer: () => createResendMailer({ apiKey: resend.apiKey, baseUrl: resend.url, timeoutMs: 2_000, baseDelayMs: 10, maxDelayMs: 50 }),
    });
    const tick = (now: Date) => resendClock.tick(now);
    await startCheckout("9150000000000001", "outage@example.com");
    await tick(at(0, 1));
    // The first reminder is queued at 4 h, and Resend answers 500 to it and its quick retries.
    resend.serverErrors(20);
    await tick(at(4));
    const [held] = await messagesTo("outage@example.com");
    expect(held).toMatchObject({ status: "queued", stepId: "checkout_1" });

    await placeOrder("9150000000000001", "outage@example.com", at(5));
    resend.reset(); // Resend is back
    await tick(at(5, 1));
    await tick(at(6));
    expect(await runOf("outage@example.com")).toMatchObject({ status: "exited", exitReason: "placed_order" });
    expect(await messagesTo("outage@example.com")).toMatchObject([
      { id: held.id, status: "failed", error: "flow run exited before sending: placed_order", sentAt: null },
    ]);
    expect(resend.delivered.filter((e) => e.to.includes("outage@example.com"))).toEqual([]);
  });

  it("does not send a queued reminder once the order is stored, even before any worker has advanced the run", async () => {
    const mailer = createResendMailer({ apiKey: resend.apiKey, baseUrl: resend.url, timeoutMs: 2_000, baseDelayMs: 10, maxDelayMs: 50 });
    const resendClock = flowClock(() => shopId, { mailer: () => mailer });
    await startCheckout("9160000000000001", "race@example.com");
    await resendClock.tick(at(0, 1));
    resend.serverErrors(20);
    await resendClock.tick(at(4));
    const [held] = await messagesTo("race@example.com");
    expect(held).toMatchObject({ status: "queued" });

    // The order is stored; the run is not woken or advanced (its worker was killed, or is mid-pass).
    await placeOrder("9160000000000001", "race@example.com", at(5));
    await drainAll(() => at(5, 1));
    resend.reset();
    await deliverQueued(db, mailer, { now: at(6), limit: 100, defaultFrom: "Shop <shop@example.com>" });
    expect(await runOf("race@example.com")).toMatchObject({ status: "waiting" });
    expect(await messagesTo("race@example.com")).toMatchObject([{ id: held.id, status: "failed", error: "flow run exited before sending: placed_order" }]);
    expect(resend.delivered).toEqual([]);
  });

  it("exits on a late order: placed before the due time, drained just before the step runs", async () => {
    await startCheckout("9200000000000001", "late@example.com");
    await startCheckout("9200000000000002", "later@example.com");
    await tick(at(0, 1));

    // Placed at 3 h, reported only at 4 h, right before the first reminder is due.
    await placeOrder("9200000000000001", "late@example.com", at(3));
    await tick(at(4));
    expect(await messagesTo("late@example.com")).toHaveLength(0);
    expect(await runOf("late@example.com")).toMatchObject({ status: "exited", exitReason: "placed_order" });

    // Placed at 23 h, reported only at 48 h, after both second-reminder due times.
    expect(await messagesTo("later@example.com")).toHaveLength(1);
    await placeOrder("9200000000000002", "later@example.com", at(23));
    await drainAll(() => at(48));
    const advanced = await advanceDueRuns(db, { owner: "worker-1", now: at(48) });
    expect(advanced.queued).toBe(0);
    expect(await messagesTo("later@example.com")).toHaveLength(1);
    expect(await runOf("later@example.com")).toMatchObject({ status: "exited", exitReason: "placed_order" });
  });

  it("skips a profile without consent, with the reason and no Message", async () => {
    await startCheckout("9300000000000001", "noconsent@example.com", { consent: "not_subscribed" });
    await tick(at(0, 1));
    await tick(at(4));
    const run = await runOf("noconsent@example.com");
    expect((run.state as { skips: unknown[] }).skips).toEqual([
      { stepId: "checkout_1", reason: "no_consent", detail: "unknown", at: at(4).toISOString() },
    ]);
    expect(await db.message.count({ where: { shopId } })).toBe(0);
    expect(await db.dailyRollup.findFirst({ where: { shopId, metric: "skipped:no_consent", stepId: "checkout_1" } })).toMatchObject({ value: 1n });
    await tick(at(100));
    expect(await db.message.count({ where: { shopId } })).toBe(0);
    expect(await runOf("noconsent@example.com")).toMatchObject({ status: "completed" });
  });

  it("sends nothing to a suppressed address", async () => {
    await startCheckout("9400000000000001", "bounced@example.com");
    await db.suppression.create({ data: { shopId, email: "bounced@example.com", reason: "bounce" } });
    await tick(at(0, 1));
    await tick(at(4));
    await tick(at(100));
    expect(await db.message.count({ where: { shopId } })).toBe(0);
    const run = await runOf("bounced@example.com");
    expect((run.state as { skips: Array<{ reason: string }> }).skips.map((s) => s.reason)).toEqual(["suppressed", "suppressed", "suppressed"]);
  });

  it("the 72-hour reminder carries the recipient's own discount code, created in the shop only for it", async () => {
    const buyers = [
      { id: "9600000000000001", email: "dora@example.com" },
      { id: "9600000000000002", email: "eli@example.com" },
    ];
    for (const b of buyers) await startCheckout(b.id, b.email);
    for (const hours of [0.02, 4, 24, 48, 72]) await tick(at(hours));
    const codes = [];
    for (const b of buyers) {
      const messages = await messagesTo(b.email);
      expect(messages.map((m) => [m.stepId, m.status])).toEqual([["checkout_1", "sent"], ["checkout_2", "sent"], ["checkout_3", "sent"]]);
      expect(messages.slice(0, 2).map((m) => m.discountCode)).toEqual([null, null]);
      const code = messages[2].discountCode ?? "";
      expect(isWellFormedCode(code)).toBe(true);
      expect(messages[2].html).toContain(code);
      expect(messages[2].text).toContain(code);
      codes.push(code);
    }
    expect(new Set(codes).size).toBe(2);
    // Issued in delivery order, which is not the order of the loop above.
    expect([...clock.issued].sort()).toEqual([...codes].sort());
  });

  it("holds out the shop's control share: their runs go the whole way and exit on purchase, with no email", async () => {
    await db.shopSettings.update({ where: { shopId }, data: { holdoutPercent: 50 } });
    const buyers = Array.from({ length: 20 }, (_, i) => ({ id: `97000000000000${String(i).padStart(2, "0")}`, email: `hold${i}@example.com` }));
    for (const b of buyers) await startCheckout(b.id, b.email);
    await tick(at(0, 1));
    const runs = await db.flowRun.findMany({ where: { shopId }, include: { profile: { select: { email: true } } } });
    const held = runs.filter((r) => r.holdout).map((r) => r.profile.email ?? "");
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThan(buyers.length);

    // A held-out buyer's purchase still ends the run: that conversion is what the control group measures.
    const buyer = buyers.find((b) => b.email === held[0])!;
    await placeOrder(buyer.id, buyer.email, at(10));
    for (const hours of [4, 10.02, 24, 48, 72]) await tick(at(hours));

    expect(await runOf(buyer.email)).toMatchObject({ status: "exited", exitReason: "placed_order", holdout: true });
    for (const b of buyers) {
      const messages = await messagesTo(b.email);
      if (!held.includes(b.email)) {
        expect(messages.map((m) => m.stepId)).toEqual(["checkout_1", "checkout_2", "checkout_3"]);
        continue;
      }
      expect(messages).toEqual([]);
      const run = await runOf(b.email);
      const reasons = (run.state as { skips: Array<{ reason: string }> }).skips.map((s) => s.reason);
      expect(reasons).toEqual(b === buyer ? ["holdout"] : ["holdout", "holdout", "holdout"]);
      if (b !== buyer) expect(run.status).toBe("completed");
    }
    expect(clock.issued).toHaveLength(buyers.length - held.length);
  });

  it("ignores backfilled events as triggers", async () => {
    await startCheckout("9500000000000001", "old@example.com");
    await drainAll(() => at(0, 1));
    await db.event.updateMany({ where: { shopId }, data: { source: "shopify_backfill" } });
    const { triggered } = await tick(at(0, 2));
    expect(triggered.started).toBe(0);
    expect(await db.flowRun.count({ where: { shopId } })).toBe(0);
  });
});
