// The welcome preset: Subscribed to Email from customers/create, quiet hours in the shop's timezone, smart sending.
import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { switchOff, switchOnPreset } from "../../app/models/flow-definitions.server";
import { ensureShop } from "../../app/models/shop.server";
import { createOutboxMailer } from "../../app/services/mailer/outbox.server";
import { WELCOME_FLOW } from "../../app/domain/flows/preset-definitions";
import { runFlowsOnce } from "../../app/worker/flow-worker.server";
import { flowClock } from "../helpers/flows";
import { deliver, drainAll } from "../helpers/ingest";
import { bigId, samplePayload } from "../helpers/payloads";
import { appProxyQuery } from "../helpers/app-proxy";
import { callRoute } from "../helpers/remix";
import { signupRateLimiter } from "../../app/signup-proxy.server";

const SHOP = "flows-welcome.myshopify.com";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let shopId: string;

beforeEach(async () => {
  await db.shop.deleteMany();
  const shop = await ensureShop(db, SHOP, new Date("2026-01-01T00:00:00Z"));
  shopId = shop.id;
  await db.shop.update({ where: { id: shopId }, data: { name: "Acme & Co" } });
  await switchOnPreset(db, shopId, "welcome");
  clock.reset();
});

const mailer = createOutboxMailer();
const clock = flowClock(() => shopId);
const tick = (now: Date) => clock.tick(now);

async function subscribe(customerId: string, email: string, when: Date) {
  const body = samplePayload("customers/create", (c) => {
    c.id = bigId(customerId);
    c.admin_graphql_api_id = `gid://shopify/Customer/${customerId}`;
    c.email = email;
    c.first_name = "Bea";
    c.created_at = when.toISOString();
    c.updated_at = when.toISOString();
    c.email_marketing_consent = { state: "subscribed", opt_in_level: "single_opt_in", consent_updated_at: when.toISOString() };
  });
  expect(await deliver("customers/create", body, { shop: SHOP, triggeredAt: when.toISOString() })).toBe(200);
}

const messagesTo = (email: string) => db.message.findMany({ where: { shopId, toEmail: email }, orderBy: { queuedAt: "asc" } });
const runOf = (email: string) => db.flowRun.findFirstOrThrow({ where: { shopId, profile: { email } } });

async function consentUpdate(customerId: string, email: string, state: "subscribed" | "unsubscribed", when: Date) {
  const body = samplePayload("customers_email_marketing_consent/update", (c) => {
    c.customer_id = bigId(customerId);
    c.email_address = email;
    c.email_marketing_consent = { state, opt_in_level: "single_opt_in", consent_updated_at: when.toISOString() };
  });
  expect(await deliver("customers_email_marketing_consent/update", body, { shop: SHOP, triggeredAt: when.toISOString() })).toBe(200);
}

describe("welcome series", () => {
  it("welcomes a storefront signup once, and Shopify echoing the subscribed customer we created starts nothing more", async () => {
    signupRateLimiter.reset();
    const { action } = await import("../../app/routes/proxy.signup");
    const request = new Request(`https://my-test-app.myshopify.io/proxy/signup?${appProxyQuery(SHOP)}`, {
      method: "POST",
      body: new URLSearchParams({ email: "dora@lovelace.net", first_name: "Dora", form_id: "footer", form_kind: "inline" }),
      headers: { Accept: "application/json", "X-Forwarded-For": "203.0.113.5" },
    });
    expect(((await callRoute(action, request)) as Response).status).toBe(200);
    const signedUpAt = new Date();
    await tick(new Date(signedUpAt.getTime() + 60_000));
    const run = await runOf("dora@lovelace.net");
    expect(run.status).not.toBe("exited");

    // The worker created the Shopify customer as subscribed at the signup's instant; Shopify reports it back.
    const event = await db.event.findFirstOrThrow({ where: { shopId, name: "Subscribed to Email" } });
    await subscribe("8100000000000042", "dora@lovelace.net", event.occurredAt);
    await consentUpdate("8100000000000042", "dora@lovelace.net", "subscribed", event.occurredAt);
    await tick(new Date(signedUpAt.getTime() + 2 * 60_000));
    expect(await db.event.count({ where: { shopId, name: "Subscribed to Email" } })).toBe(1);
    expect(await db.flowRun.count({ where: { shopId } })).toBe(1);
    expect(await db.profile.count({ where: { shopId } })).toBe(1);
  });

  it("does not welcome someone coming back from the preference page, and Shopify echoing an unsubscribe is not a second one", async () => {
    const t = new Date("2026-11-20T10:00:00Z");
    // Subscribed long before the flow could see it (older than its maximum trigger age): never welcomed.
    await subscribe("8100000000000009", "cleo@example.com", new Date(t.getTime() - 10 * DAY));
    await tick(t);
    expect(await db.flowRun.count({ where: { shopId } })).toBe(0);
    const profile = await db.profile.findFirstOrThrow({ where: { shopId, email: "cleo@example.com" } });

    const unsubscribedAt = new Date(t.getTime() + HOUR);
    const { unsubscribeProfile, resubscribeProfile } = await import("../../app/models/email-engagement.server");
    expect(await unsubscribeProfile(db, { shopId, profileId: profile.id, messageId: null, now: unsubscribedAt, source: "preference_page" })).toMatchObject({ outcome: "changed" });
    // Shopify reports the change we passed on, a few seconds later.
    await consentUpdate("8100000000000009", "cleo@example.com", "unsubscribed", new Date(unsubscribedAt.getTime() + 5_000));
    await drainAll(() => new Date(unsubscribedAt.getTime() + 10_000));
    expect(await db.event.count({ where: { shopId, profileId: profile.id, name: "Unsubscribed from Email" } })).toBe(1);

    const back = new Date(t.getTime() + 2 * HOUR);
    expect(await resubscribeProfile(db, { shopId, profileId: profile.id, messageId: null, now: back })).toMatchObject({ outcome: "changed" });
    await tick(new Date(back.getTime() + 60_000));
    const resubscribed = await db.event.findFirstOrThrow({ where: { shopId, profileId: profile.id, name: "Subscribed to Email", occurredAt: back } });
    expect(resubscribed.properties).toMatchObject({ resubscribed: true });
    expect(await db.flowRun.count({ where: { shopId } })).toBe(0);
    expect(await messagesTo("cleo@example.com")).toHaveLength(0);
  });


  it("sends email 1 at once and email 2 two days after signing up", async () => {
    const t = new Date("2026-11-20T10:00:00Z");
    await subscribe("8100000000000001", "bea@example.com", t);
    await tick(new Date(t.getTime() + 60_000));
    const [first] = await messagesTo("bea@example.com");
    expect(first).toMatchObject({ stepId: "welcome_1", subject: "Welcome to Acme & Co", status: "sent" });
    expect(first.html).toContain("Acme &amp; Co");

    await tick(new Date(t.getTime() + 2 * DAY - 60_000));
    expect(await messagesTo("bea@example.com")).toHaveLength(1);
    await tick(new Date(t.getTime() + 2 * DAY));
    expect((await messagesTo("bea@example.com")).map((m) => m.stepId)).toEqual(["welcome_1", "welcome_2"]);
    // A redelivery of the same signup starts nothing new.
    await subscribe("8100000000000001", "bea@example.com", t);
    const again = await tick(new Date(t.getTime() + 2 * DAY + 60_000));
    expect(again.triggered.started).toBe(0);
    expect(await db.flowRun.count({ where: { shopId } })).toBe(1);
  });

  it("postpones email 1 past quiet hours in the shop's timezone", async () => {
    await db.shop.update({ where: { id: shopId }, data: { timezone: "America/New_York" } });
    const t = new Date("2026-11-25T03:00:00Z"); // 22:00 in New York (EST)
    await subscribe("8200000000000001", "night@example.com", t);
    await tick(new Date(t.getTime() + 60_000));
    expect(await messagesTo("night@example.com")).toHaveLength(0);
    const morning = new Date("2026-11-25T13:00:00Z"); // 08:00 EST
    expect((await runOf("night@example.com")).nextRunAt).toEqual(morning);
    await tick(new Date(morning.getTime() - 60_000));
    expect(await messagesTo("night@example.com")).toHaveLength(0);
    await tick(morning);
    expect(await messagesTo("night@example.com")).toMatchObject([{ stepId: "welcome_1", sentAt: morning }]);
  });

  it("postpones email 2 by smart sending after another email, then past quiet hours", async () => {
    const t = new Date("2026-11-20T10:00:00Z");
    await subscribe("8300000000000001", "busy@example.com", t);
    await tick(new Date(t.getTime() + 60_000));
    const profile = await db.profile.findFirstOrThrow({ where: { shopId, email: "busy@example.com" } });
    const other = new Date(t.getTime() + 2 * DAY - 2 * HOUR); // 08:00 on day 3
    await db.message.create({
      data: { shopId, profileId: profile.id, idempotencyKey: "campaign:x", toEmail: "busy@example.com", subject: "Sale", status: "sent", sentAt: other, queuedAt: other },
    });
    await tick(new Date(t.getTime() + 2 * DAY));
    expect((await messagesTo("busy@example.com")).filter((m) => m.stepId === "welcome_2")).toHaveLength(0);
    // other + 16 h = 00:00 UTC, inside quiet hours (21:00-08:00 UTC): 08:00 the next day.
    const due = new Date("2026-11-23T08:00:00Z");
    expect((await runOf("busy@example.com")).nextRunAt).toEqual(due);
    await tick(due);
    expect((await messagesTo("busy@example.com")).filter((m) => m.stepId === "welcome_2")).toMatchObject([{ status: "sent", sentAt: due }]);
  });

  it("starts nothing while the flow is switched off; switching on again reuses the version", async () => {
    await switchOff(db, shopId, "welcome");
    const t = new Date("2026-11-20T10:00:00Z");
    await subscribe("8400000000000001", "off@example.com", t);
    await tick(new Date(t.getTime() + 60_000));
    expect(await db.flowRun.count({ where: { shopId } })).toBe(0);
    const flow = await switchOnPreset(db, shopId, "welcome");
    expect(flow.status).toBe("live");
    const versions = await db.flowVersion.findMany({ where: { flowId: flow.id } });
    expect(versions.map((v) => v.version)).toEqual([1]);
    expect(versions[0].definition).toEqual(JSON.parse(JSON.stringify(WELCOME_FLOW)));
    // A version that differs from the preset (the merchant's edits) stays current across off and on.
    await db.flowVersion.update({ where: { id: versions[0].id }, data: { definition: { ...WELCOME_FLOW, exits: [] } } });
    await switchOff(db, shopId, "welcome");
    const again = await switchOnPreset(db, shopId, "welcome");
    expect(again.currentVersionId).toBe(versions[0].id);
    expect(await db.flowVersion.count({ where: { flowId: flow.id } })).toBe(1);
  });

  it("runFlowsOnce triggers, advances and delivers in one pass, keeping its cursor", async () => {
    const t = new Date("2026-11-20T10:00:00Z");
    await subscribe("8500000000000001", "loop@example.com", t);
    await drainAll(() => t);
    const cursors = new Map<string, Date>();
    const options = { cursors, initialSince: new Date(0), defaultFrom: "Shop <shop@example.com>", owner: "loop" };
    const first = await runFlowsOnce(db, mailer, { now: new Date(t.getTime() + 60_000), ...options });
    expect(first.triggered[0]).toMatchObject({ started: 1 });
    expect(first.advanced).toMatchObject({ claimed: 1, queued: 1 });
    expect(first.delivered).toMatchObject({ sent: 1 });
    expect(cursors.get(shopId)).toBeInstanceOf(Date);
    const second = await runFlowsOnce(db, mailer, { now: new Date(t.getTime() + 2 * DAY), ...options });
    // The overlap may show the signup again; it starts nothing the second time.
    expect(second.triggered[0]).toMatchObject({ started: 0 });
    expect(second.delivered).toMatchObject({ sent: 1 });
    expect((await messagesTo("loop@example.com")).map((m) => [m.stepId, m.status])).toEqual([
      ["welcome_1", "sent"],
      ["welcome_2", "sent"],
    ]);
  });
});
