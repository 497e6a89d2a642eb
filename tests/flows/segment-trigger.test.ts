// "Enter segment" end to end: orders/create webhooks -> inbox -> profile order stats -> segment membership
// re-evaluated in the same transaction -> "Entered Segment" event -> a live flow with a segment trigger starts a run.
import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { providerOf } from "../../app/db/client.server";
import { parseFlowDefinition, type FlowDefinition } from "../../app/domain/flows/definition";
import { createVersion } from "../../app/models/flow-definitions.server";
import { sweepMemberships } from "../../app/models/segment-membership.server";
import { ensureShop } from "../../app/models/shop.server";
import { createOutboxMailer } from "../../app/services/mailer/outbox.server";
import { runFlowsOnce } from "../../app/worker/flow-worker.server";
import { flowClock, testEmailDelivery } from "../helpers/flows";
import { deliver } from "../helpers/ingest";
import { orderPayload } from "../helpers/payloads";

const SHOP = "flows-segment-trigger.myshopify.com";
const T0 = new Date("2026-11-20T10:00:00Z");
const DAY = 86_400_000;
const at = (days: number, minutes = 0) => new Date(T0.getTime() + days * DAY + minutes * 60_000);
const CUSTOMER = { id: "9007199254740995", email: "repeat@example.com" };

let shopId = "";
const clock = flowClock(() => shopId);

async function placeOrder(orderId: string, placedAt: Date) {
  const body = orderPayload("orders/create", { id: orderId, customerId: CUSTOMER.id, email: CUSTOMER.email, createdAt: placedAt.toISOString() });
  expect(await deliver("orders/create", body, { shop: SHOP, triggeredAt: placedAt.toISOString() })).toBe(200);
}

function vipFlow(segmentId: string): FlowDefinition {
  const parsed = parseFlowDefinition({
    schemaVersion: 1,
    trigger: { kind: "segment", segmentId },
    filters: [],
    exits: [],
    reentry: { mode: "after_exit" },
    start: "wait",
    steps: [
      { id: "wait", kind: "delay", wait: { kind: "duration", duration: { amount: 1, unit: "days" }, from: "step" }, next: "done" },
      { id: "done", kind: "exit", reason: "welcomed_to_vip" },
    ],
  });
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

const runs = () => db.flowRun.findMany({ where: { shopId }, orderBy: { enteredAt: "asc" } });
const segmentEvents = () => db.event.findMany({ where: { shopId, name: { in: ["Entered Segment", "Left Segment"] } }, orderBy: { occurredAt: "asc" } });

describe("a flow triggered by entering a segment", () => {
  let segmentId = "";
  let otherSegmentId = "";

  beforeEach(async () => {
    await db.shop.deleteMany();
    shopId = (await ensureShop(db, SHOP, new Date("2026-01-01T00:00:00Z"))).id;
    clock.reset();
    segmentId = (await db.segment.create({ data: { shopId, name: "Repeat buyers", conditions: { kind: "profile", field: "ordersCount", op: "gte", value: 2 } } })).id;
    otherSegmentId = (await db.segment.create({ data: { shopId, name: "Big spenders", conditions: { kind: "profile", field: "revenueMinor", op: "gte", value: 10_000_000 } } })).id;
    for (const [name, id] of [["VIP welcome", segmentId], ["Big spender thanks", otherSegmentId]] as const) {
      const flow = await db.flow.create({ data: { shopId, name, status: "live" } });
      const version = await createVersion(db, shopId, flow.id, vipFlow(id));
      await db.flow.update({ where: { id: flow.id }, data: { currentVersionId: version.id } });
    }
  });

  it("starts a run when an order makes the customer a member, and only for that segment's flow", async () => {
    await placeOrder("45035996273705001", at(0));
    await clock.tick(at(0, 1));
    expect(await segmentEvents()).toHaveLength(0);
    expect(await runs()).toHaveLength(0);

    await placeOrder("45035996273705002", at(3));
    const { triggered } = await clock.tick(at(3, 1));
    expect(triggered.started).toBe(1);
    const profile = await db.profile.findFirstOrThrow({ where: { shopId, email: CUSTOMER.email } });
    expect(profile.ordersCount).toBe(2);
    expect(await segmentEvents()).toEqual([expect.objectContaining({ name: "Entered Segment", profileId: profile.id, properties: { segmentId, segmentName: "Repeat buyers" } })]);
    expect(await db.segmentMembership.findMany({ where: { shopId } })).toEqual([expect.objectContaining({ segmentId, profileId: profile.id, leftAt: null })]);
    const [run] = await runs();
    const flow = await db.flow.findUniqueOrThrow({ where: { id: run.flowId } });
    expect(flow.name).toBe("VIP welcome");
    expect(run).toMatchObject({ profileId: profile.id, status: "waiting" });

    // A third order keeps them in: no second "Entered Segment", no second run.
    await placeOrder("45035996273705003", at(5));
    await clock.tick(at(5, 1));
    expect(await segmentEvents()).toHaveLength(1);
    expect(await runs()).toHaveLength(1);
  });

  it("records leaving when the segment stops matching, and entering again later as a new event", async () => {
    await placeOrder("45035996273705011", at(0));
    await placeOrder("45035996273705012", at(1));
    await clock.tick(at(1, 1));
    expect((await segmentEvents()).map((e) => e.name)).toEqual(["Entered Segment"]);

    // The merchant narrows the segment: the scheduled sweep finds the customer no longer matches.
    await db.segment.update({ where: { id: segmentId }, data: { conditions: { kind: "profile", field: "ordersCount", op: "gte", value: 3 } } });
    const shop = { id: shopId, timezone: "UTC" };
    expect(await sweepMemberships(db, providerOf(db), shop, at(2))).toMatchObject({ entered: 0, left: 1, next: null });
    expect(await sweepMemberships(db, providerOf(db), shop, at(2))).toMatchObject({ entered: 0, left: 0 }); // nothing twice
    await placeOrder("45035996273705013", at(4));
    await clock.tick(at(4, 1));
    expect((await segmentEvents()).map((e) => e.name)).toEqual(["Entered Segment", "Left Segment", "Entered Segment"]);
    expect(await db.segmentMembership.findFirstOrThrow({ where: { segmentId } })).toMatchObject({ enteredAt: at(4, 1), leftAt: null });
  });

  it("a time condition: the worker's sweep finds a customer who went quiet, and the flow starts in the same pass", async () => {
    await db.segment.update({ where: { id: segmentId }, data: { conditions: { kind: "profile", field: "lastOrderAt", op: "more_than_days_ago", value: 30 } } });
    await placeOrder("45035996273705021", at(0));
    await clock.tick(at(0, 1));
    expect(await runs()).toHaveLength(0);

    const worker = { cursors: new Map<string, Date>(), scheduledCursors: new Map(), segmentSweeps: new Map(), delivery: testEmailDelivery(), initialSince: new Date(0) };
    const mailer = createOutboxMailer();
    await runFlowsOnce(db, mailer, { now: at(29), ...worker });
    expect(await segmentEvents()).toHaveLength(0);
    // The next sweep is due an hour after the last one finished; by day 31 the last order is over 30 days old.
    const pass = await runFlowsOnce(db, mailer, { now: at(31), ...worker });
    expect(await segmentEvents()).toEqual([expect.objectContaining({ name: "Entered Segment", occurredAt: at(31) })]);
    expect(pass.triggered.reduce((n, t) => n + t.started, 0)).toBe(1);
    expect(await runs()).toEqual([expect.objectContaining({ status: "waiting" })]);
  });
});
