// A flow's holdout result on both databases, driven as production drives it: checkouts start runs through the flow
// worker, orders, refunds, cancellations, late and replayed deliveries and profile merges go through the inbox. The
// result is read from daily counters kept as those facts land; a hand-computed case and a seeded random history
// compare them with counting afresh from the stored runs and orders (the straightforward evaluation).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../app/db/client.server";
import { addPerson, EMPTY_GROUP, windowRevenue, type GroupTotals } from "../../app/domain/attribution/holdout";
import type { FlowDefinition } from "../../app/domain/flows/definition";
import { flowHoldoutResult } from "../../app/models/holdout.server";
import { acceptInboxEntry } from "../../app/models/inbox.server";
import { ensureShop } from "../../app/models/shop.server";
import { drainInboxOnce } from "../../app/worker/inbox-worker.server";
import { triggerFlows } from "../../app/worker/flow-worker.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { createLiveFlow, eventFlow } from "../helpers/flows";
import { bigId, checkoutPayload, orderPayload, samplePayload } from "../helpers/payloads";

const T0 = new Date("2026-09-01T12:00:00Z");
const DAY = 86_400_000;
const day = (n: number, hours = 0) => new Date(T0.getTime() + n * DAY + hours * 3_600_000);
const ALL_DAYS = { from: "2000-01-01", to: "2100-01-01" };

/** A flow that starts on every checkout and waits: who entered is all that matters here. */
const checkoutFlow = (holdoutPercent: number): FlowDefinition => ({
  ...eventFlow(
    "Started Checkout",
    [
      { id: "wait", kind: "delay", wait: { kind: "duration", duration: { amount: 60, unit: "days" }, from: "step" }, next: "done" },
      { id: "done", kind: "exit", reason: "waited" },
    ],
    { mode: "every_trigger" },
  ),
  holdoutPercent,
});

describe.each(["sqlite", "postgresql"] as const)("flow holdout counters on %s", (provider) => {
  let t: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    t = await createTestDatabase(provider);
    db = t.prisma;
  });
  afterAll(() => t?.cleanup());

  /** A shop with one live checkout flow, and the ways Shopify and the worker reach it. */
  async function scenario(name: string, holdoutPercent: number) {
    const shop = await ensureShop(db, `${name}-${provider}.myshopify.com`, new Date("2026-01-01T00:00:00Z"));
    const flow = await createLiveFlow(db, shop.id, checkoutFlow(holdoutPercent));
    let cursor = new Date(0);
    let order = 0;
    const deliver = async (topic: string, payload: string) => {
      await acceptInboxEntry(db, { shopId: shop.id, source: "shopify_webhook", topic, dedupeKey: randomUUID(), payload });
      for (;;) {
        const drained = await drainInboxOnce(db);
        expect(drained.failed).toBe(0);
        if (drained.claimed === 0) break;
      }
    };
    return {
      shop,
      flow,
      /** A checkout at `at` (a customer's, a guest's by email, or a customer's without email); the worker looks at once. */
      async checkout(at: Date, who: { customerId?: string; email: string | null }) {
        await deliver("checkouts/create", checkoutPayload({ token: `tok-${randomUUID()}`, at, email: who.email, customerId: who.customerId }));
        const triggered = await triggerFlows(db, { shopId: shop.id, since: cursor, now: at });
        cursor = triggered.cursor;
      },
      async order(at: Date, who: { customerId: string | null; email: string }, total: string, id = String(5_200_000_000_000 + ++order)) {
        await deliver("orders/create", orderPayload("orders/create", { id, customerId: who.customerId, email: who.email, total, createdAt: at.toISOString() }));
        return id;
      },
      async replay(id: string, at: Date, who: { customerId: string | null; email: string }, total: string) {
        await deliver("orders/create", orderPayload("orders/create", { id, customerId: who.customerId, email: who.email, total, createdAt: at.toISOString() }));
      },
      async refund(orderId: string, at: Date, amount: string) {
        await deliver(
          "refunds/create",
          samplePayload("refunds/create", (r) => {
            r.id = bigId(String(6_200_000_000_000 + ++order));
            r.order_id = bigId(orderId);
            r.created_at = at.toISOString();
            r.transactions = [{ ...r.transactions[0], order_id: bigId(orderId), amount, kind: "refund", status: "success" }];
          }),
        );
      },
      async cancel(orderId: string, placedAt: Date, at: Date, who: { customerId: string | null; email: string }, total: string) {
        const cancelledAt = at.toISOString();
        await deliver("orders/cancelled", orderPayload("orders/cancelled", { id: orderId, customerId: who.customerId, email: who.email, total, createdAt: placedAt.toISOString(), cancelledAt, updatedAt: cancelledAt }));
      },
    };
  }

  /** The straightforward evaluation: each run of the flow entered in [from, to] and its profile's orders as stored now. */
  async function countedAfresh(shopId: string, flowId: string, entered: { from?: Date; to?: Date } = {}) {
    const runs = await db.flowRun.findMany({ where: { shopId, flowId, enteredAt: { gte: entered.from, lte: entered.to } } });
    const orders = await db.orderState.findMany({ where: { shopId }, select: { profileId: true, placedAt: true, countedMinor: true } });
    let sent: GroupTotals = EMPTY_GROUP;
    let holdout: GroupTotals = EMPTY_GROUP;
    for (const run of runs) {
      const revenue = windowRevenue(run.enteredAt, orders.filter((o) => o.profileId === run.profileId));
      expect(run.windowRevenueMinor, `run ${run.id}`).toBe(revenue);
      if (run.holdout) holdout = addPerson(holdout, revenue);
      else sent = addPerson(sent, revenue);
    }
    return { sent, holdout, runs: runs.length };
  }

  it("counts each entrant's orders within 30 days, net of refunds and cancellations, across a merge, once per replay", async () => {
    const s = await scenario("holdout-ledger", 100);
    const ann = { customerId: "7200000000000001", email: "ann@example.com" };
    const bob = { customerId: "7200000000000002", email: "bob@example.com" };
    const cat = { customerId: "7200000000000003", email: "cat@example.com" };

    await s.order(day(-1), ann, "15.00"); // before Ann entered: not hers to count
    await s.checkout(day(0), ann);
    await s.checkout(day(0), bob);
    await s.checkout(day(0), { customerId: cat.customerId, email: null }); // Cat as a customer, no email known yet
    await s.checkout(day(1), { email: cat.email }); // and as a guest: two profiles, two runs
    const annOrder = await s.order(day(2), ann, "50.00");
    await s.refund(annOrder, day(4), "20.00");
    await s.order(day(31), ann, "10.00"); // a day after her window closed
    await s.order(day(3), { customerId: null, email: cat.email }, "25.00"); // a guest order: the guest profile's
    const bobOrder = await s.order(day(5), bob, "40.00"); // delivered after Cat's, placed earlier
    await s.cancel(bobOrder, day(5), day(6), bob, "40.00");
    await s.replay(annOrder, day(2), ann, "50.00"); // the same order again under a new webhook id
    // A checkout naming both of Cat's identities merges her profiles (and starts a run after her order): the order
    // placed as a guest now counts for the run she entered as a customer too.
    await s.checkout(day(7), cat);

    const result = await flowHoldoutResult(db, s.shop.id, s.flow.id, ALL_DAYS);
    expect(result).toMatchObject({
      status: "not_enough_data",
      windowDays: 30,
      sent: { people: 0, converted: 0, revenueMinor: 0n },
      // Ann 30.00, Cat's two runs 25.00 each, Bob's cancelled order nothing.
      holdout: { people: 5, converted: 3, revenueMinor: 8_000n, revenueSquaresMinor: 3_000 ** 2 + 2 * 2_500 ** 2 },
    });
    expect(await countedAfresh(s.shop.id, s.flow.id)).toMatchObject({ holdout: (result as { holdout: GroupTotals }).holdout, runs: 5 });
    // Entered days outside the range do not count; another flow's numbers are its own.
    expect(await flowHoldoutResult(db, s.shop.id, s.flow.id, { from: "2026-09-02", to: "2026-12-31" })).toMatchObject({ holdout: { people: 2 } });
    const other = await createLiveFlow(db, s.shop.id, checkoutFlow(0), "Other");
    expect(await flowHoldoutResult(db, s.shop.id, other.id, ALL_DAYS)).toEqual({ status: "no_holdout", windowDays: 30 });
  });

  it("keeps counters equal to counting afresh over a seeded random history", async () => {
    const s = await scenario("holdout-random", 50);
    let seed = 20261125;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const people = Array.from({ length: 24 }, (_, i) => ({ customerId: String(7_300_000_000_000 + i), email: `p${i}@example.com` }));
    type Fact = { at: number; run: () => Promise<unknown> };
    const facts: Fact[] = [];
    for (const [i, who] of people.entries()) {
      const entered = Math.floor(random() * 40 * 24);
      if (i % 6 === 0) {
        // Known first by customer id alone, then as a guest who orders as a guest; merged 15 days in.
        facts.push({ at: entered, run: () => s.checkout(day(0, entered), { customerId: who.customerId, email: null }) });
        facts.push({ at: entered + 5, run: () => s.checkout(day(0, entered + 5), { email: who.email }) });
        facts.push({ at: entered + 360, run: () => s.checkout(day(0, entered + 360), who) });
        const id = String(5_300_000_000_000 + facts.length);
        facts.push({ at: entered + 48, run: () => s.order(day(0, entered + 48), { customerId: null, email: who.email }, "30.00", id) });
      } else {
        facts.push({ at: entered, run: () => s.checkout(day(0, entered), who) });
      }
      if (random() < 0.3) facts.push({ at: entered + 240, run: () => s.checkout(day(0, entered + 240), who) });
      for (let n = Math.floor(random() * 4); n > 0; n--) {
        const placed = entered + Math.floor(random() * 50 * 24) - 10 * 24;
        const total = `${10 + Math.floor(random() * 190)}.00`;
        const id = String(5_300_000_000_000 + facts.length);
        // One in five arrives three days late; some are replayed, refunded in part or cancelled.
        const arrives = random() < 0.2 ? placed + 72 : placed;
        const buyer = i % 6 === 0 ? { customerId: null, email: who.email } : who;
        facts.push({ at: arrives, run: () => s.order(day(0, placed), buyer, total, id) });
        if (random() < 0.2) facts.push({ at: arrives + 1, run: () => s.replay(id, day(0, placed), buyer, total) });
        if (random() < 0.25) facts.push({ at: arrives + 30, run: () => s.refund(id, day(0, placed + 30), "5.00") });
        else if (random() < 0.15) facts.push({ at: arrives + 40, run: () => s.cancel(id, day(0, placed), day(0, placed + 40), buyer, total) });
      }
    }
    for (const fact of facts.sort((a, b) => a.at - b.at)) await fact.run();

    const afresh = await countedAfresh(s.shop.id, s.flow.id);
    expect(afresh.runs).toBeGreaterThan(24);
    expect(afresh.sent.converted).toBeGreaterThan(0);
    expect(afresh.holdout.converted).toBeGreaterThan(0);
    expect(await flowHoldoutResult(db, s.shop.id, s.flow.id, ALL_DAYS)).toMatchObject({ sent: afresh.sent, holdout: afresh.holdout });
    // A part of the period: entered from 21 September on (the shop's timezone is UTC).
    const late = await countedAfresh(s.shop.id, s.flow.id, { from: new Date("2026-09-21T00:00:00Z") });
    expect(late.runs).toBeGreaterThan(0);
    expect(await flowHoldoutResult(db, s.shop.id, s.flow.id, { from: "2026-09-21", to: "2026-12-31" })).toMatchObject({ sent: late.sent, holdout: late.holdout });
  });
});
