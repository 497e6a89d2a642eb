// The sunset preset end to end on a virtual clock, on SQLite and PostgreSQL: profiles that received 10+ emails in
// 180 days and opened, clicked and ordered nothing enter through the scheduled trigger, get one re-permission email,
// and are suppressed (recorded, reversible) unless they engage within 7 days.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import appDb from "../../app/db.server";
import { createPrismaClient, type Db } from "../../app/db/client.server";
import { switchOnPreset } from "../../app/models/flow-definitions.server";
import { ensureShop } from "../../app/models/shop.server";
import { triggerScheduledFlows, type ScheduledCursors } from "../../app/worker/scheduled-triggers.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { scheduledWorker } from "../helpers/flows";
import { deliver, drainAll } from "../helpers/ingest";
import { bigId, orderPayload, samplePayload } from "../helpers/payloads";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = new Date("2026-11-20T10:00:00Z");
const at = (days: number, hours = 0) => new Date(T0.getTime() + days * DAY + hours * HOUR);

let shops = 0;
async function sunsetShop(db: Db, label: string) {
  const shop = await ensureShop(db, `sunset-${label}-${++shops}.myshopify.com`, new Date("2026-01-01T00:00:00Z"));
  await switchOnPreset(db, shop.id, "sunset");
  return shop.id;
}

async function person(db: Db, shopId: string, email: string, emailConsent = "subscribed") {
  return db.profile.create({ data: { shopId, email, firstName: "Sam", emailConsent } });
}

/** `count` newsletters received between 170 and 8 days before T0 (status `status`). */
async function newsletters(db: Db, shopId: string, profile: { id: string; email: string | null }, count: number, status = "sent") {
  const rows = Array.from({ length: count }, (_, i) => {
    const sentAt = at(-170 + i * 18);
    return {
      shopId,
      profileId: profile.id,
      campaignId: "newsletter",
      idempotencyKey: `newsletter-${status}-${i}:${profile.id}`,
      toEmail: profile.email!,
      subject: `Newsletter ${i + 1}`,
      status,
      provider: "outbox",
      queuedAt: sentAt,
      sentAt: status === "failed" ? null : sentAt,
    };
  });
  await db.message.createMany({ data: rows });
}

/** An unengaged subscriber: subscribed, 10 newsletters received, nothing opened. */
async function unengaged(db: Db, shopId: string, email: string) {
  const profile = await person(db, shopId, email);
  await newsletters(db, shopId, profile, 10);
  return profile;
}

/** The shape the email-engagement writer stores (source "email", the message id in properties). */
async function engagement(db: Db, shopId: string, profileId: string, name: "Opened Email" | "Clicked Email", when: Date, messageId: string) {
  await db.event.create({
    data: { shopId, profileId, name, occurredAt: when, properties: { messageId }, source: "email", sourceId: `${name}:${messageId}:${when.toISOString()}` },
  });
}

/** An open the pixel route judged a machine's, stored as recordOpen stores it (machine-open.ts). */
async function machineOpen(db: Db, shopId: string, profileId: string, when: Date, messageId: string) {
  await db.event.create({
    data: {
      shopId, profileId, name: "Opened Email", occurredAt: when, properties: { messageId, machine: true, machineReason: "apple_privacy_proxy" },
      source: "email", sourceId: `email:${messageId}:opened:machine`,
    },
  });
}

async function placedOrder(db: Db, shopId: string, profileId: string, when: Date, orderId: string) {
  await db.event.create({
    data: {
      shopId, profileId, name: "Placed Order", occurredAt: when, properties: { orderId, totalPrice: "20.00", test: false },
      source: "shopify_webhook", sourceId: `orders/create:${orderId}:Placed Order`,
    },
  });
}

describe.each(["sqlite", "postgresql"] as const)("sunset flow on %s", (provider) => {
  let database: TestDatabase | null = null;
  let db: Db;
  beforeAll(async () => {
    // SQLite: the app's own database, the one the signed webhooks below write to.
    if (provider === "postgresql") database = await createTestDatabase("postgresql");
    db = database?.prisma ?? appDb;
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  const sunsetMessages = (shopId: string) => db.message.findMany({ where: { shopId, flowId: { not: null } }, orderBy: { toEmail: "asc" } });
  const runsOf = (shopId: string) => db.flowRun.findMany({ where: { shopId }, include: { profile: { select: { email: true } } } });

  it("asks once, then suppresses after 7 days without engagement: recorded with its run, reversible", async () => {
    const shopId = await sunsetShop(db, "asks");
    const nora = await unengaged(db, shopId, "nora@example.com");
    const w = scheduledWorker(db, "w1");

    const first = await w.pass(shopId, T0);
    expect(first.triggered).toMatchObject({ flows: 1, candidates: 1, started: 1, notDue: 0, more: false });
    const [message] = await sunsetMessages(shopId);
    expect(message).toMatchObject({ toEmail: "nora@example.com", stepId: "repermission", status: "sent", sentAt: T0 });
    expect(message.subject).toBe("Do you still want to hear from us?");
    const [run] = await runsOf(shopId);
    expect(run).toMatchObject({ status: "waiting", stepId: "wait_7_days", nextRunAt: at(7), holdout: false, triggerEventId: "engagement:2026-11-20" });

    await w.pass(shopId, at(7, -1));
    expect(await db.suppression.count({ where: { shopId } })).toBe(0);
    await w.pass(shopId, at(7));
    const suppression = await db.suppression.findUniqueOrThrow({ where: { shopId_email: { shopId, email: "nora@example.com" } } });
    expect(suppression.reason).toBe("sunset");
    // What undoing needs: which run and step suppressed the address, and the property values it replaced.
    expect(JSON.parse(suppression.source!)).toMatchObject({ by: "flow", runId: run.id, flowId: run.flowId, stepId: "suppress", previous: { emailStatus: null } });
    expect((await db.profile.findUniqueOrThrow({ where: { id: nora.id } })).properties).toEqual({ emailStatus: "sunset" });
    expect((await runsOf(shopId))[0]).toMatchObject({ status: "completed" });
    expect(await sunsetMessages(shopId)).toHaveLength(1);

    // Suppressed: later passes leave the address alone.
    expect((await w.pass(shopId, at(30))).triggered).toMatchObject({ candidates: 0, started: 0 });
  });

  it("keeps whoever opens or clicks within the 7 days; suppresses only the silent one", async () => {
    const shopId = await sunsetShop(db, "engaged");
    const olive = await unengaged(db, shopId, "olive@example.com");
    const cleo = await unengaged(db, shopId, "cleo@example.com");
    await unengaged(db, shopId, "nick@example.com");
    const w = scheduledWorker(db, "w1");
    expect((await w.pass(shopId, T0)).triggered).toMatchObject({ started: 3 });

    const asked = new Map((await sunsetMessages(shopId)).map((m) => [m.toEmail, m.id]));
    expect([...asked.keys()]).toEqual(["cleo@example.com", "nick@example.com", "olive@example.com"]);
    await engagement(db, shopId, olive.id, "Opened Email", at(3), asked.get("olive@example.com")!);
    await engagement(db, shopId, cleo.id, "Clicked Email", at(6, 23), asked.get("cleo@example.com")!);
    await w.pass(shopId, at(3));
    await w.pass(shopId, at(7));

    expect((await db.suppression.findMany({ where: { shopId } })).map((s) => [s.email, s.reason])).toEqual([["nick@example.com", "sunset"]]);
    const runs = await runsOf(shopId);
    expect(runs.map((r) => [r.profile.email, r.status, r.stepId]).sort()).toEqual([
      ["cleo@example.com", "completed", null],
      ["nick@example.com", "completed", null],
      ["olive@example.com", "completed", null],
    ]);
    expect(await db.profile.findUniqueOrThrow({ where: { id: olive.id } })).toMatchObject({ properties: null });
  });

  it("counts no machine open (Apple Mail privacy prefetch, scanners) as engagement, to enter or to stay", async () => {
    const shopId = await sunsetShop(db, "machine");
    const mia = await unengaged(db, shopId, "mia@example.com");
    await machineOpen(db, shopId, mia.id, at(-20), "m-prefetched");
    const human = await unengaged(db, shopId, "human@example.com");
    await engagement(db, shopId, human.id, "Opened Email", at(-20), "m-read");
    const w = scheduledWorker(db, "w1");

    expect((await w.pass(shopId, T0)).triggered).toMatchObject({ candidates: 1, started: 1, notDue: 0 });
    expect((await runsOf(shopId)).map((r) => r.profile.email)).toEqual(["mia@example.com"]);
    const [asked] = await sunsetMessages(shopId);
    // Her mail app fetches the re-permission email's pixel too: still nobody read it.
    await machineOpen(db, shopId, mia.id, at(0, 1), asked.id);
    await w.pass(shopId, at(7));
    expect((await db.suppression.findMany({ where: { shopId } })).map((s) => [s.email, s.reason])).toEqual([["mia@example.com", "sunset"]]);
  });

  it("never enters who opened, clicked or ordered within the 180 days, or received fewer than 10", async () => {
    const shopId = await sunsetShop(db, "window");
    const opened = await unengaged(db, shopId, "opened@example.com");
    await engagement(db, shopId, opened.id, "Opened Email", at(-100), "m-1");
    const clicked = await unengaged(db, shopId, "clicked@example.com");
    await engagement(db, shopId, clicked.id, "Clicked Email", at(-1), "m-2");
    const ordered = await unengaged(db, shopId, "ordered@example.com");
    await placedOrder(db, shopId, ordered.id, at(-50), "9001");
    // Engagement older than the window does not count: this one enters.
    const lapsed = await unengaged(db, shopId, "lapsed@example.com");
    await engagement(db, shopId, lapsed.id, "Opened Email", at(-181), "m-3");
    const nine = await person(db, shopId, "nine@example.com");
    await newsletters(db, shopId, nine, 9);
    // Failed and bounced emails were never received.
    const bounced = await person(db, shopId, "bounced@example.com");
    await newsletters(db, shopId, bounced, 8);
    await newsletters(db, shopId, bounced, 2, "bounced");
    await newsletters(db, shopId, bounced, 2, "failed");
    // Sent more than 180 days ago: out of the window.
    const old = await person(db, shopId, "old@example.com");
    await newsletters(db, shopId, old, 9);
    await db.message.create({
      data: { shopId, profileId: old.id, idempotencyKey: `old:${old.id}`, toEmail: "old@example.com", subject: "Old", status: "sent", sentAt: at(-181), queuedAt: at(-181) },
    });

    const pass = await scheduledWorker(db, "w1").pass(shopId, T0);
    expect(pass.triggered).toMatchObject({ candidates: 1, started: 1, notDue: 0, refused: {} });
    expect((await runsOf(shopId)).map((r) => r.profile.email)).toEqual(["lapsed@example.com"]);
  });

  it("never enters an unsubscribed profile, nor an address already suppressed", async () => {
    const shopId = await sunsetShop(db, "consent");
    const gone = await person(db, shopId, "gone@example.com", "unsubscribed");
    await newsletters(db, shopId, gone, 10);
    const pending = await person(db, shopId, "pending@example.com", "pending");
    await newsletters(db, shopId, pending, 10);
    await unengaged(db, shopId, "bounced@example.com");
    await db.suppression.create({ data: { shopId, email: "bounced@example.com", reason: "bounce" } });

    const w = scheduledWorker(db, "w1");
    const pass = await w.pass(shopId, T0);
    expect(pass.triggered).toMatchObject({ candidates: 2, started: 0, refused: { flow_filters: 2 } });
    await w.pass(shopId, at(8));
    expect(await runsOf(shopId)).toHaveLength(0);
    expect(await db.message.count({ where: { shopId, flowId: { not: null } } })).toBe(0);
    expect((await db.suppression.findMany({ where: { shopId } })).map((s) => s.reason)).toEqual(["bounce"]);
  });

  it("enters nobody twice: a second pass the same day, another worker, the next days", async () => {
    const shopId = await sunsetShop(db, "twice");
    await unengaged(db, shopId, "once@example.com");
    const a = scheduledWorker(db, "worker-a");
    const b = scheduledWorker(db, "worker-b");
    expect((await a.pass(shopId, T0)).triggered).toMatchObject({ started: 1 });
    expect((await a.pass(shopId, at(0, 1))).triggered).toMatchObject({ candidates: 0, started: 0 }); // done for today
    expect((await b.pass(shopId, at(0, 2))).triggered).toMatchObject({ candidates: 0, started: 0 }); // in the flow already
    expect((await a.pass(shopId, at(1))).triggered).toMatchObject({ candidates: 0, started: 0 });
    expect((await b.pass(shopId, at(3))).triggered).toMatchObject({ candidates: 0, started: 0 });
    expect(await runsOf(shopId)).toHaveLength(1);
    expect(await sunsetMessages(shopId)).toHaveLength(1);
  });

  it("two workers scanning at once start each run once", async () => {
    const shopId = await sunsetShop(db, "race");
    for (let i = 0; i < 6; i++) await unengaged(db, shopId, `race-${i}@example.com`);
    // PostgreSQL: a second client, as a second machine would have; SQLite has one writer, so one client.
    const second = provider === "postgresql" ? createPrismaClient(database!.url) : db;
    try {
      const [x, y] = await Promise.all([
        triggerScheduledFlows(db, { shopId, now: T0, cursors: new Map() }),
        triggerScheduledFlows(second, { shopId, now: T0, cursors: new Map() }),
      ]);
      expect(x.started + y.started).toBe(6);
      expect(await db.flowRun.count({ where: { shopId } })).toBe(6);
      const again = await triggerScheduledFlows(second, { shopId, now: at(0, 1), cursors: new Map() });
      expect(again).toMatchObject({ candidates: 0, started: 0 });
    } finally {
      if (second !== db) await second.$disconnect();
    }
  });

  it("looks at no more than `limit` profiles per call and resumes where it stopped", async () => {
    const shopId = await sunsetShop(db, "paged");
    for (let i = 0; i < 5; i++) await unengaged(db, shopId, `paged-${i}@example.com`);
    const w = scheduledWorker(db, "w1");
    expect(await w.trigger(shopId, T0, 2)).toMatchObject({ candidates: 2, started: 2, more: true });
    expect(await w.trigger(shopId, at(0, 1), 2)).toMatchObject({ candidates: 2, started: 2, more: true });
    expect(await w.trigger(shopId, at(0, 2), 2)).toMatchObject({ candidates: 1, started: 1, more: false });
    expect(await w.trigger(shopId, at(0, 3), 2)).toMatchObject({ candidates: 0, more: false });
    expect(new Set((await runsOf(shopId)).map((r) => r.profileId)).size).toBe(5);
  });

  it("looks through the shop in slices of profiles and misses nobody at the slice edges", async () => {
    const shopId = await sunsetShop(db, "sliced");
    const expected: string[] = [];
    for (let i = 0; i < 25; i++) {
      const profile = await unengaged(db, shopId, `slice-${String(i).padStart(2, "0")}@example.com`);
      if (i % 3 === 0) expected.push(profile.email!);
      else await engagement(db, shopId, profile.id, "Opened Email", at(-i), `m-${i}`);
    }
    const cursors: ScheduledCursors = new Map();
    // Slices of 2 profiles, 10 slices a call: the first call covers 20 of the 25 profiles.
    const first = await triggerScheduledFlows(db, { shopId, now: T0, cursors, engagementSlice: 2 });
    expect(first).toMatchObject({ more: true });
    const second = await triggerScheduledFlows(db, { shopId, now: at(0, 1), cursors, engagementSlice: 2 });
    expect(second).toMatchObject({ more: false });
    expect(first.started + second.started).toBe(expected.length);
    expect((await runsOf(shopId)).map((r) => r.profile.email).sort()).toEqual(expected);
  });

  it.runIf(provider === "sqlite")("customers from signed webhooks: a purchase in the window keeps one out", async () => {
    const domain = "flows-sunset.myshopify.com";
    const shop = await ensureShop(db, domain, new Date("2026-01-01T00:00:00Z"));
    await switchOnPreset(db, shop.id, "sunset");
    const signup = at(-200).toISOString();
    for (const [customerId, email] of [["9007199254740993", "quiet@example.com"], ["9007199254740997", "buyer@example.com"]]) {
      const body = samplePayload("customers/create", (c) => {
        c.id = bigId(customerId);
        c.admin_graphql_api_id = `gid://shopify/Customer/${customerId}`;
        c.email = email;
        c.created_at = signup;
        c.updated_at = signup;
        c.email_marketing_consent = { state: "subscribed", opt_in_level: "single_opt_in", consent_updated_at: signup };
      });
      expect(await deliver("customers/create", body, { shop: domain, triggeredAt: signup })).toBe(200);
    }
    const ordered = at(-60).toISOString();
    const order = orderPayload("orders/create", { id: "45035996273705101", customerId: "9007199254740997", email: "buyer@example.com", createdAt: ordered });
    expect(await deliver("orders/create", order, { shop: domain, triggeredAt: ordered })).toBe(200);
    await drainAll(() => at(-1));
    for (const profile of await db.profile.findMany({ where: { shopId: shop.id } })) await newsletters(db, shop.id, profile, 10);

    const pass = await scheduledWorker(db, "w1").pass(shop.id, T0);
    expect(pass.triggered).toMatchObject({ candidates: 1, started: 1 });
    expect((await sunsetMessages(shop.id)).map((m) => [m.toEmail, m.stepId, m.status])).toEqual([["quiet@example.com", "repermission", "sent"]]);
  });
});
