// Campaigns end to end through the real worker path on SQLite and PostgreSQL: audience in SQL (segments minus
// exclusions), consent, suppression and smart sending, scheduled and local-time sends, cancel, an A/B test whose
// winner is chosen once (also by a second worker) and sent to the rest, and a later order attributed to the email.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../app/db/client.server";
import { campaignReport } from "../../app/models/campaign-report.server";
import { cancelCampaign, saveCampaign, scheduleCampaign } from "../../app/models/campaigns.server";
import { acceptInboxEntry } from "../../app/models/inbox.server";
import { recordClick } from "../../app/models/email-engagement.server";
import { deliverQueued } from "../../app/models/messages.server";
import { ensureShop } from "../../app/models/shop.server";
import { createOutboxMailer } from "../../app/services/mailer/outbox.server";
import { runCampaignsOnce, variantResults } from "../../app/worker/campaign-worker.server";
import { drainInboxOnce } from "../../app/worker/inbox-worker.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { testEmailDelivery } from "../helpers/flows";
import { orderPayload } from "../helpers/payloads";

const HOUR = 3_600_000;
const T0 = new Date("2026-11-26T10:00:00Z");
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);

describe.each(["sqlite", "postgresql"] as const)("campaigns on %s", (provider) => {
  let t: TestDatabase;
  let db: Db;
  let serial = 0;

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    db = t.prisma;
  });
  afterAll(() => t?.cleanup());

  async function shopWithSegments() {
    const shop = await ensureShop(db, `campaign-${provider}-${++serial}.myshopify.com`, new Date("2026-01-01T00:00:00Z"));
    await db.shop.update({ where: { id: shop.id }, data: { timezone: "Europe/Berlin" } });
    const segment = (name: string, conditions: unknown) => db.segment.create({ data: { shopId: shop.id, name, conditions: conditions as object } });
    const vip = await segment("VIP", { kind: "property", key: "tier", type: "text", op: "eq", value: "vip" });
    const gold = await segment("Gold", { kind: "property", key: "tier", type: "text", op: "eq", value: "gold" });
    const staff = await segment("Staff", { kind: "property", key: "staff", type: "boolean", op: "eq", value: true });
    return { shopId: shop.id, vip: vip.id, gold: gold.id, staff: staff.id };
  }

  async function person(shopId: string, email: string, properties: object, emailConsent = "subscribed") {
    // With its email identity, as ingestion creates it, so a later order by that address finds this profile.
    return db.profile.create({ data: { shopId, email, emailConsent, properties, identities: { create: { shopId, kind: "email", value: email } } } });
  }

  async function pass(now: Date) {
    const result = await runCampaignsOnce(db, { now });
    const delivered = await deliverQueued(db, createOutboxMailer(), { ...testEmailDelivery(db), now, limit: 500, defaultFrom: "Shop <shop@example.com>" });
    expect(delivered.failed).toBe(0);
    return result;
  }

  const recipients = (campaignId: string) =>
    db.campaignRecipient.findMany({ where: { campaignId }, include: { campaign: false }, orderBy: { profileId: "asc" } });
  const sentTo = async (campaignId: string) =>
    (await db.message.findMany({ where: { campaignId, status: "sent" }, select: { toEmail: true } })).map((m) => m.toEmail).sort();

  const definition = (s: { vip: string; gold: string; staff: string }, extra: object = {}) => ({
    name: "Black Friday",
    segmentIds: [s.vip, s.gold],
    excludeSegmentIds: [s.staff],
    variants: [{ id: "a", subject: "Black Friday: 20% off" }],
    schedule: { kind: "now" },
    smartSending: true,
    ...extra,
  });

  it("sends once to segment members minus exclusions, with consent, suppression and smart sending respected", async () => {
    const s = await shopWithSegments();
    await person(s.shopId, "vip@example.com", { tier: "vip" });
    await person(s.shopId, "gold@example.com", { tier: "gold" });
    await person(s.shopId, "staff@example.com", { tier: "vip", staff: true });
    await person(s.shopId, "plain@example.com", { tier: "none" });
    await person(s.shopId, "unknown@example.com", { tier: "vip" }, "unknown");
    await person(s.shopId, "unsub@example.com", { tier: "gold" }, "unsubscribed");
    await person(s.shopId, "bounced@example.com", { tier: "vip" });
    await db.suppression.create({ data: { shopId: s.shopId, email: "bounced@example.com", reason: "bounce" } });
    const recent = await person(s.shopId, "recent@example.com", { tier: "vip" });
    await db.message.create({
      data: { shopId: s.shopId, profileId: recent.id, idempotencyKey: "earlier", toEmail: "recent@example.com", subject: "Earlier", status: "sent", sentAt: at(-2) },
    });

    const saved = await saveCampaign(db, s.shopId, null, definition(s));
    expect(saved.ok).toBe(true);
    const id = (saved as { id: string }).id;
    expect(await scheduleCampaign(db, s.shopId, id, T0)).toEqual({ ok: true, id });
    await pass(T0);
    await pass(at(0.1)); // a second pass (or a restarted worker) sends nobody twice

    expect(await sentTo(id)).toEqual(["gold@example.com", "vip@example.com"]);
    const rows = await recipients(id);
    expect(rows.map((r) => r.skipReason).filter(Boolean).sort()).toEqual(["not_subscribed", "not_subscribed", "smart_sending", "suppressed"]);
    expect((await campaignReport(db, s.shopId, id)).skipped).toEqual([
      { reason: "not_subscribed", count: 2 },
      { reason: "smart_sending", count: 1 },
      { reason: "suppressed", count: 1 },
    ]);
    expect((await campaignReport(db, s.shopId, id)).total.sent).toBe(2n);
    // The excluded and non-members never became recipients.
    expect(rows).toHaveLength(6);
    expect((await db.campaign.findUniqueOrThrow({ where: { id } })).status).toBe("sent");
    const html = (await db.message.findFirstOrThrow({ where: { campaignId: id } })).html ?? "";
    expect(html).toContain("Black Friday: 20% off");
  });

  it("sends at 09:00 in each recipient's own timezone, and cancel stops the ones not yet due", async () => {
    const s = await shopWithSegments();
    await person(s.shopId, "tokyo@example.com", { tier: "vip", timezone: "Asia/Tokyo" });
    await person(s.shopId, "berlin@example.com", { tier: "vip" }); // the shop's timezone
    await person(s.shopId, "la@example.com", { tier: "vip", timezone: "America/Los_Angeles" });
    const id = ((await saveCampaign(db, s.shopId, null, definition(s, { schedule: { kind: "local_time", date: "2026-11-27", time: "09:00" } }))) as { id: string }).id;
    expect(await scheduleCampaign(db, s.shopId, id, T0)).toMatchObject({ ok: true });

    await pass(new Date("2026-11-26T18:59:00Z"));
    expect(await recipients(id)).toHaveLength(0); // not launched before UTC+14 reaches 09:00
    await pass(new Date("2026-11-27T00:00:00Z"));
    expect(await sentTo(id)).toEqual(["tokyo@example.com"]);
    const sendAt = Object.fromEntries((await db.campaignRecipient.findMany({ where: { campaignId: id }, include: { campaign: false } })).map((r) => [r.profileId, r.sendAt.toISOString()]));
    expect(Object.values(sendAt).sort()).toEqual(["2026-11-27T00:00:00.000Z", "2026-11-27T08:00:00.000Z", "2026-11-27T17:00:00.000Z"]);
    await pass(new Date("2026-11-27T08:00:00Z"));
    expect(await sentTo(id)).toEqual(["berlin@example.com", "tokyo@example.com"]);

    expect(await cancelCampaign(db, s.shopId, id)).toEqual({ ok: true, id });
    await pass(new Date("2026-11-27T18:00:00Z"));
    expect(await sentTo(id)).toEqual(["berlin@example.com", "tokyo@example.com"]);
    expect((await recipients(id)).map((r) => r.skipReason).filter(Boolean)).toEqual(["cancelled"]);
  });

  it("A/B tests on a share, picks the winner by clicks once, sends it to the rest, and credits a later order", async () => {
    const s = await shopWithSegments();
    for (let i = 0; i < 60; i++) await person(s.shopId, `p${String(i).padStart(2, "0")}@example.com`, { tier: i % 2 ? "vip" : "gold" });
    const id = ((await saveCampaign(
      db,
      s.shopId,
      null,
      definition(s, {
        variants: [{ id: "a", subject: "Subject A" }, { id: "b", subject: "Subject B" }],
        abTest: { testPercent: 50, metric: "click", windowHours: 4 },
      }),
    )) as { id: string }).id;
    await scheduleCampaign(db, s.shopId, id, T0);
    await pass(T0);
    const test = (await recipients(id)).filter((r) => r.group === "test");
    const rest = (await recipients(id)).filter((r) => r.group === "rest");
    expect(test.length).toBeGreaterThan(10);
    expect(rest.length).toBeGreaterThan(10);
    expect(rest.every((r) => r.variant === null && r.status === "pending")).toBe(true);
    const testMessages = await db.message.findMany({ where: { campaignId: id } });
    expect(testMessages).toHaveLength(test.length);
    // Everyone who got B clicks; nobody who got A does.
    for (const m of testMessages.filter((m) => m.variant === "b")) {
      expect((await recordClick(db, { shopId: s.shopId, messageId: m.id, url: "https://example.com/", at: at(1) })).outcome).toBe("recorded");
    }
    await pass(at(3.9));
    expect((await db.campaign.findUniqueOrThrow({ where: { id } })).winnerVariant).toBeNull();

    // Two workers at the window's end: the winner is chosen once and each of the rest gets exactly one email.
    await Promise.all([runCampaignsOnce(db, { now: at(4.1) }), runCampaignsOnce(db, { now: at(4.1) })]);
    await pass(at(4.2));
    const campaign = await db.campaign.findUniqueOrThrow({ where: { id } });
    expect(campaign).toMatchObject({ winnerVariant: "b", status: "sent" });
    const all = await db.message.findMany({ where: { campaignId: id } });
    expect(all).toHaveLength(60);
    expect(new Set(all.map((m) => m.profileId)).size).toBe(60);
    const restIds = new Set(rest.map((r) => r.profileId));
    expect(all.filter((m) => restIds.has(m.profileId)).every((m) => m.variant === "b" && m.subject === "Subject B")).toBe(true);

    // A clicker orders within the click window: the order is credited to the campaign's email, in the report.
    const clicked = all.find((m) => m.firstClickedAt !== null)!;
    const payload = orderPayload("orders/create", { id: "77001", customerId: null, email: clicked.toEmail, total: "80.00", createdAt: at(5).toISOString() });
    await acceptInboxEntry(db, { shopId: s.shopId, source: "shopify_webhook", topic: "orders/create", dedupeKey: randomUUID(), payload });
    while ((await drainInboxOnce(db, { now: () => at(5) })).claimed > 0);
    const attribution = await db.attribution.findFirstOrThrow({ where: { shopId: s.shopId, orderId: "77001" } });
    expect(attribution).toMatchObject({ campaignId: id, messageId: clicked.id, touch: "click" });
    const results = await variantResults(db, id, ["a", "b"]);
    expect(results.find((r) => r.id === "b")!.revenueMinor).toBe(8000n);

    // The report reads the same rollups as a flow's page: 60 sent, B's clicks, the order and its revenue.
    const report = await campaignReport(db, s.shopId, id);
    const clicksOnB = testMessages.filter((m) => m.variant === "b").length;
    expect(report.total).toMatchObject({ sent: 60n, clicked: BigInt(clicksOnB), orders: 1n, revenue: 8000n });
    expect(report.variants.get("b")).toMatchObject({ clicked: BigInt(clicksOnB), orders: 1n, revenue: 8000n });
    expect(report.variants.get("a")).toMatchObject({ clicked: 0n, orders: 0n, revenue: 0n });
    // Another shop asking for this campaign gets nothing.
    expect((await campaignReport(db, (await shopWithSegments()).shopId, id)).total.sent).toBe(0n);
  });

  it("keeps shops apart: another shop's campaign and segments are not found, nothing changes", async () => {
    const a = await shopWithSegments();
    const b = await shopWithSegments();
    const id = ((await saveCampaign(db, a.shopId, null, definition(a))) as { id: string }).id;
    expect(await saveCampaign(db, b.shopId, null, definition(a))).toMatchObject({ ok: false, status: 400 });
    expect(await saveCampaign(db, b.shopId, id, definition(b))).toMatchObject({ ok: false, status: 404 });
    expect(await scheduleCampaign(db, b.shopId, id, T0)).toMatchObject({ ok: false, status: 404 });
    expect(await cancelCampaign(db, b.shopId, id)).toMatchObject({ ok: false, status: 404 });
    expect((await db.campaign.findUniqueOrThrow({ where: { id } })).status).toBe("draft");
  });
});
